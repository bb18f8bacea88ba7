"""Policies: the `Policy` protocol, the oracle, the LoHoVLA model and its decoders, the vanilla-VLA baseline."""

from lohovla.policies.base import Action, Feedback, Policy, Pose, Step

__all__ = ["Action", "Feedback", "Policy", "Pose", "Step"]
