"""The suction tool of the arm, built by code: a stem with a cup, fixed under the arm's flange.

Suction is a fixed constraint between the cup and the block it touches, made at their relative pose at
the moment of contact (as LoHoRavens' suction does), so the block keeps the offset it was picked with.
"""

from __future__ import annotations

import numpy as np
import pybullet as pb

from lohovla.envs.geometry import Pose, compose, invert

STEM_RADIUS = 0.011
CUP_RADIUS = 0.014  # under the 2 cm half-edge of a small block: the cup touches one block only
CUP_HEIGHT = 0.012
LENGTH = 0.245  # flange to cup rim: the wrist stays above a 6-block tower (0.24 m) next to a block it picks
TOOL_MASS = 0.1
HOLD_FORCE = 200.0  # N; far above what a 6 cm block needs, so the grip never slips
MOUNT_FORCE = 2000.0
CONTACT_DISTANCE = 5e-4  # contact manifolds keep points up to ~2 cm apart; only these count as touching


class SuctionTool:
    """A stem and cup as one body, fixed to `link` of `arm` with its axis along the link's +z."""

    def __init__(self, client: int, arm: int, link: int) -> None:
        self.client, self.arm, self.link = client, arm, link
        self.held: int | None = None
        self._grip: int | None = None
        kw = dict(physicsClientId=client)
        stem_len = LENGTH - CUP_HEIGHT
        # The body frame (= its centre of mass) is mid-stem; the cup hangs at +z, the flange end is at -z.
        col = pb.createCollisionShape(pb.GEOM_CYLINDER, radius=CUP_RADIUS, height=LENGTH, **kw)
        vis = pb.createVisualShapeArray(
            shapeTypes=[pb.GEOM_CYLINDER, pb.GEOM_CYLINDER],
            radii=[STEM_RADIUS, CUP_RADIUS],
            lengths=[stem_len, CUP_HEIGHT],
            halfExtents=[[0, 0, 0]] * 2,
            rgbaColors=[[0.75, 0.75, 0.78, 1], [0.15, 0.15, 0.15, 1]],
            visualFramePositions=[[0, 0, -CUP_HEIGHT / 2], [0, 0, LENGTH / 2 - CUP_HEIGHT / 2]],
            visualFrameOrientations=[[0, 0, 0, 1]] * 2,
            meshScales=[[1, 1, 1]] * 2,
            fileNames=["", ""],
            **kw,
        )
        flange = pb.getLinkState(arm, link, computeForwardKinematics=True, **kw)
        pos, quat = pb.multiplyTransforms(flange[4], flange[5], [0, 0, LENGTH / 2], [0, 0, 0, 1])
        self.body = pb.createMultiBody(TOOL_MASS, col, vis, basePosition=pos, baseOrientation=quat, **kw)
        pb.changeDynamics(self.body, -1, lateralFriction=1.0, restitution=0.0, **kw)
        mount = pb.createConstraint(
            arm, link, self.body, -1, pb.JOINT_FIXED, [0, 0, 0], [0, 0, 0], [0, 0, -LENGTH / 2], **kw
        )
        pb.changeConstraint(mount, maxForce=MOUNT_FORCE, **kw)
        for j in range(-1, pb.getNumJoints(arm, **kw)):
            pb.setCollisionFilterPair(arm, self.body, j, -1, 0, **kw)

    # --- state --------------------------------------------------------------------------------------
    def touching(self, body: int) -> list[int]:
        """Bodies (other than the arm, the tool and the held block) that `body` touches now."""
        skip = {self.arm, self.body, self.held}
        hits = pb.getContactPoints(bodyA=body, physicsClientId=self.client)
        return sorted({h[2] for h in hits if h[2] not in skip and h[8] < CONTACT_DISTANCE})

    def cup_contacts(self) -> list[int]:
        return self.touching(self.body)

    def held_contacts(self) -> list[int]:
        return [] if self.held is None else self.touching(self.held)

    def _pose(self, body: int) -> Pose:
        pos, quat = pb.getBasePositionAndOrientation(body, physicsClientId=self.client)
        return np.array(pos), np.array(quat)

    # --- suction ------------------------------------------------------------------------------------
    def grasp(self, body: int) -> None:
        """Hold `body` where it is now relative to the cup."""
        self.release()
        rel = compose(invert(self._pose(self.body)), self._pose(body))  # COM frames, both
        self._grip = pb.createConstraint(
            self.body,
            -1,
            body,
            -1,
            pb.JOINT_FIXED,
            [0, 0, 0],
            list(rel[0]),
            [0, 0, 0],
            parentFrameOrientation=list(rel[1]),
            physicsClientId=self.client,
        )
        pb.changeConstraint(self._grip, maxForce=HOLD_FORCE, physicsClientId=self.client)
        pb.setCollisionFilterPair(self.body, body, -1, -1, 0, physicsClientId=self.client)
        self.held = body

    def release(self) -> None:
        if self._grip is not None:
            pb.removeConstraint(self._grip, physicsClientId=self.client)
            pb.setCollisionFilterPair(self.body, self.held, -1, -1, 1, physicsClientId=self.client)
        self._grip, self.held = None, None
