"""The suction pick-and-place primitive, `fast` mode: the cup follows the waypoints kinematically.

Same waypoints as the arm: 0.32 m above the pick, down until contact, suck, lift, over the place pose,
down until the held block touches something, release, lift. Contacts are found with ray casts instead
of simulated motion, then the scene settles under physics. The arm mode lives in arm.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pybullet as pb

from lohovla.envs.geometry import Pose, compose, invert
from lohovla.envs.objects import SceneObject
from lohovla.envs.world import World

APPROACH_HEIGHT = 0.32
SPEED = 0.5  # m/s of the cup along its path; sets the time over which a held block may drop
RAY_TOP = 1.0
PARKED = [-2.0, 0.0, 1.0]  # where the video-only cup waits, outside every camera's view
CARRY_FRAMES = 4  # video frames along the carry from the pick to over the place (the cup's path)


@dataclass
class PrimitiveResult:
    grasped: bool = False
    held: SceneObject | None = None
    dropped: bool = False
    frames: list[np.ndarray] = field(default_factory=list)


def drop_fraction(rng: np.random.Generator, drop_prob_per_s: float, duration_s: float) -> float | None:
    """Where along a transport of duration_s the block falls (0..1), or None if it holds."""
    if drop_prob_per_s <= 0:
        return None
    p_drop = 1.0 - (1.0 - drop_prob_per_s) ** duration_s
    return float(rng.uniform()) if rng.uniform() < p_drop else None


class FastPrimitive:
    """Kinematic suction cup over a physics scene."""

    def __init__(self, world: World, drop_prob_per_s: float = 0.0) -> None:
        self.world = world
        self.drop_prob_per_s = drop_prob_per_s

    def attach(self) -> None:
        """Called after every scene rebuild: a visual-only suction cup, parked out of every camera's view."""
        client = self.world.client
        vis = pb.createVisualShape(
            pb.GEOM_CYLINDER, radius=0.012, length=0.08, rgbaColor=[0.2, 0.2, 0.22, 1], physicsClientId=client
        )
        self.cup = pb.createMultiBody(0, -1, vis, basePosition=PARKED, physicsClientId=client)

    def _show(self, frame_cb, cup_xyz, held: SceneObject | None = None, held_pose: Pose | None = None) -> None:
        """Render one video frame with the cup (and the held block) at a waypoint, then put things back."""
        if frame_cb is None:
            return
        client = self.world.client
        pb.resetBasePositionAndOrientation(
            self.cup, [cup_xyz[0], cup_xyz[1], cup_xyz[2] + 0.04], [0, 0, 0, 1], physicsClientId=client
        )
        saved = self.world.pose(held) if held is not None else None
        if held is not None and held_pose is not None:
            self.world.set_pose(held, *held_pose)
        frame_cb()
        if held is not None and saved is not None:
            self.world.set_pose(held, *saved)
        pb.resetBasePositionAndOrientation(self.cup, PARKED, [0, 0, 0, 1], physicsClientId=client)

    def ray_down(self, x: float, y: float, top: float = RAY_TOP) -> tuple[int, float]:
        """First body under (x, y) seen from above, and the z where the ray meets it."""
        hit = pb.rayTest([x, y, top], [x, y, -0.05], physicsClientId=self.world.client)[0]
        return hit[0], float(hit[3][2])

    def execute(self, pick: Pose, place: Pose, rng: np.random.Generator, frame_cb=None) -> PrimitiveResult:
        world = self.world
        result = PrimitiveResult()
        body, contact_z = self.ray_down(pick[0][0], pick[0][1])
        obj = world.by_body(body)
        if obj is None or not obj.movable:  # the cup touched the table, a bowl or nothing: no grasp
            self._show(frame_cb, [pick[0][0], pick[0][1], contact_z + 0.12])
            self._show(frame_cb, [pick[0][0], pick[0][1], contact_z])
            self._show(frame_cb, [pick[0][0], pick[0][1], contact_z + 0.15])
            return result
        result.grasped, result.held = True, obj
        cup_at_pick = (np.array([pick[0][0], pick[0][1], contact_z]), np.asarray(pick[1], dtype=np.float64))
        grasp = compose(invert(cup_at_pick), world.pose(obj))  # block pose in the cup frame
        self._show(frame_cb, cup_at_pick[0] + [0, 0, 0.12])  # coming down on the pick point
        self._show(frame_cb, cup_at_pick[0])
        lifted = (cup_at_pick[0] + [0, 0, 0.15], cup_at_pick[1])
        self._show(frame_cb, lifted[0], obj, compose(lifted, grasp))

        travel = np.linalg.norm(np.asarray(place[0][:2]) - np.asarray(pick[0][:2])) + 2 * APPROACH_HEIGHT
        fraction = drop_fraction(rng, self.drop_prob_per_s, travel / SPEED)
        if fraction is not None:
            result.dropped = True
            xy = (1 - fraction) * np.asarray(pick[0][:2]) + fraction * np.asarray(place[0][:2])
            self._release_at(obj, grasp, (np.array([xy[0], xy[1], contact_z + APPROACH_HEIGHT]), cup_at_pick[1]))
            self._show(frame_cb, [xy[0], xy[1], contact_z + APPROACH_HEIGHT])  # where it let go
            return result

        cup_high = (np.array([place[0][0], place[0][1], APPROACH_HEIGHT]), np.asarray(place[1], dtype=np.float64))
        held_high = compose(cup_high, grasp)
        world.set_pose(obj, [0, 0, -5], held_high[1])  # out of the way of its own rays
        support = self._support_height(obj, held_high)
        bottom_offset = held_high[0][2] - support_bottom(obj, held_high)
        final = (np.array([held_high[0][0], held_high[0][1], support + bottom_offset + 0.001]), held_high[1])
        above = (np.array([place[0][0], place[0][1], final[0][2] + obj.size / 2 + 0.15]), cup_high[1])
        if frame_cb is not None:
            self._show_carry(frame_cb, obj, grasp, lifted, above)
        self._show(frame_cb, above[0], obj, compose(above, grasp))
        landing = compose(invert(grasp), final)  # the cup where the block touches down
        self._show(frame_cb, landing[0], obj, final)
        world.set_pose(obj, *final)
        world.settle()
        self._show(frame_cb, [place[0][0], place[0][1], final[0][2] + obj.size / 2 + 0.15])
        return result

    def _show_carry(self, frame_cb, obj: SceneObject, grasp: Pose, start: Pose, end: Pose) -> None:
        """Frames along the carry: a straight line in x-y under an arc that peaks 0.1 m above both ends."""
        for s in np.linspace(0, 1, CARRY_FRAMES + 2)[1:-1]:
            xyz = (1 - s) * start[0] + s * end[0]
            xyz[2] += 0.1 * np.sin(np.pi * s)
            cup = (xyz, end[1] if s > 0.5 else start[1])
            self._show(frame_cb, xyz, obj, compose(cup, grasp))

    def _support_height(self, obj: SceneObject, pose: Pose) -> float:
        """Highest surface under the held block's footprint (what it would touch first going down)."""
        half = obj.size / 2 * 0.9
        ticks = np.linspace(-half, half, 5)
        local = np.array([[u, v, 0.0] for u in ticks for v in ticks])
        rot = np.array(pb.getMatrixFromQuaternion(list(pose[1]))).reshape(3, 3)
        pts = local @ rot.T + pose[0]
        starts = [[p[0], p[1], RAY_TOP] for p in pts]
        ends = [[p[0], p[1], -0.05] for p in pts]
        hits = pb.rayTestBatch(starts, ends, physicsClientId=self.world.client)
        return max((h[3][2] for h in hits if h[0] >= 0), default=0.0)

    def _release_at(self, obj: SceneObject, grasp: Pose, cup: Pose) -> None:
        self.world.set_pose(obj, *compose(cup, grasp))
        self.world.settle(max_steps=960)


def support_bottom(obj: SceneObject, pose: Pose) -> float:
    """z of the lowest point of a block at `pose` (upright blocks: centre minus half the edge)."""
    rot = np.array(pb.getMatrixFromQuaternion(list(pose[1]))).reshape(3, 3)
    half = obj.size / 2
    corners = np.array([[sx, sy, sz] for sx in (-half, half) for sy in (-half, half) for sz in (-half, half)])
    return float((corners @ rot.T + pose[0])[:, 2].min())
