"""The PyBullet world: one DIRECT client per env, rebuilt from scratch at every reset for determinism."""

from __future__ import annotations

import numpy as np
import pybullet as pb

from lohovla.envs.geometry import cube_yaw, yaw_of
from lohovla.envs.objects import SceneObject, make_block, make_bowl, make_table, make_zone

TIME_STEP = 1.0 / 240.0


class World:
    """Owns the physics client, the table and the task's objects."""

    def __init__(self) -> None:
        self.client = pb.connect(pb.DIRECT)
        self.objects: list[SceneObject] = []
        self.table = -1

    def reset(self) -> None:
        pb.resetSimulation(physicsClientId=self.client)
        pb.setPhysicsEngineParameter(
            fixedTimeStep=TIME_STEP,
            numSolverIterations=50,
            deterministicOverlappingPairs=1,
            physicsClientId=self.client,
        )
        pb.setGravity(0, 0, -9.81, physicsClientId=self.client)
        self.objects = []
        self.table = make_table(self.client)

    def close(self) -> None:
        if self.client >= 0:
            pb.disconnect(physicsClientId=self.client)
            self.client = -1

    # --- building -----------------------------------------------------------------------------
    def add_block(
        self, color: str, size: float, xy, yaw: float, z: float | None = None, label: str = ""
    ) -> SceneObject:
        pos = [xy[0], xy[1], size / 2 if z is None else z]
        obj = make_block(self.client, color, size, pos, yaw, label)
        self.objects.append(obj)
        return obj

    def add_bowl(self, color: str, xy, diameter: float) -> SceneObject:
        obj = make_bowl(self.client, color, [xy[0], xy[1], 0.0], diameter)
        self.objects.append(obj)
        return obj

    def add_zone(self, color: str, xy, yaw: float, size: float) -> SceneObject:
        obj = make_zone(self.client, color, xy, yaw, size)
        self.objects.append(obj)
        return obj

    # --- state --------------------------------------------------------------------------------
    def pose(self, obj: SceneObject | int) -> tuple[np.ndarray, np.ndarray]:
        body = obj.body if isinstance(obj, SceneObject) else obj
        pos, quat = pb.getBasePositionAndOrientation(body, physicsClientId=self.client)
        return np.array(pos), np.array(quat)

    def position(self, obj: SceneObject) -> np.ndarray:
        return self.pose(obj)[0]

    def yaw(self, obj: SceneObject) -> float:
        """Yaw about the vertical; for blocks, modulo 90 degrees whichever face they rest on."""
        quat = self.pose(obj)[1]
        return cube_yaw(quat) if obj.kind == "block" else yaw_of(quat)

    def set_pose(self, obj: SceneObject | int, pos, quat) -> None:
        body = obj.body if isinstance(obj, SceneObject) else obj
        pb.resetBasePositionAndOrientation(body, list(pos), list(quat), physicsClientId=self.client)
        pb.resetBaseVelocity(body, [0, 0, 0], [0, 0, 0], physicsClientId=self.client)

    def by_body(self, body: int) -> SceneObject | None:
        for obj in self.objects:
            if obj.body == body:
                return obj
        return None

    def blocks(self) -> list[SceneObject]:
        return [o for o in self.objects if o.kind == "block"]

    def top_z(self, obj: SceneObject) -> float:
        """Height of the top face of a block (its centre plus half its edge)."""
        return float(self.position(obj)[2] + obj.size / 2)

    # --- physics ------------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        for _ in range(n):
            pb.stepSimulation(physicsClientId=self.client)

    def settle(self, max_steps: int = 480, check_every: int = 12, lin_tol: float = 2e-3, ang_tol: float = 2e-2) -> int:
        """Step until every block is still (or max_steps); returns the steps taken."""
        blocks = [o.body for o in self.objects if o.movable]
        taken = 0
        while taken < max_steps:
            self.step(check_every)
            taken += check_every
            still = True
            for body in blocks:
                lin, ang = pb.getBaseVelocity(body, physicsClientId=self.client)
                if np.linalg.norm(lin) > lin_tol or np.linalg.norm(ang) > ang_tol:
                    still = False
                    break
            if still:
                break
        return taken
