"""Algorithm 1 lives with the policies that run it (policies/closed_loop.py); this name stays for old imports."""

from lohovla.policies.closed_loop import STRATEGIES, FailedSubtasks, ReplanRule

__all__ = ["STRATEGIES", "FailedSubtasks", "ReplanRule"]
