"""The step evidence lives with the policies that read it (policies/step_evidence.py); this name stays for old
imports."""

from lohovla.policies.step_evidence import carried_out, patch_height

__all__ = ["carried_out", "patch_height"]
