"""Scene objects built by code (no asset files): blocks, bowls, zones and the table."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as pb

from lohovla.envs.spec import COLORS

BOWL_WALL_HEIGHT = 0.035
BOWL_FLOOR = 0.004
BOWL_WALL_SEGMENTS = 12  # PyBullet visual shape arrays crash above 16 parts
ZONE_THICKNESS = 0.001


@dataclass
class SceneObject:
    """A body in the scene and what a sentence calls it."""

    body: int
    kind: str  # "block", "bowl" or "zone"
    color: str
    size: float  # edge of a block or zone, diameter of a bowl
    label: str = ""  # e.g. "smaller red block"; defaults to "{color} {kind}"

    def __post_init__(self) -> None:
        self.color = str(self.color)  # rng.choice gives numpy strings
        if not self.label:
            self.label = f"{self.color} {self.kind}"

    @property
    def movable(self) -> bool:
        return self.kind == "block"


def _rgba(color: str) -> list[float]:
    return [*COLORS[color], 1.0]


def make_table(client: int) -> int:
    """A static floor at z = 0 with a darker rectangle marking the workspace."""
    floor_col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=[1.5, 1.5, 0.01], physicsClientId=client)
    floor_vis = pb.createVisualShape(
        pb.GEOM_BOX, halfExtents=[1.5, 1.5, 0.01], rgbaColor=[0.55, 0.55, 0.55, 1], physicsClientId=client
    )
    table = pb.createMultiBody(0, floor_col, floor_vis, basePosition=[0.5, 0, -0.01], physicsClientId=client)
    pb.changeDynamics(table, -1, lateralFriction=0.6, physicsClientId=client)
    return table


def make_block(client: int, color: str, size: float, position, yaw: float, label: str = "") -> SceneObject:
    half = [size / 2] * 3
    col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=client)
    vis = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=_rgba(color), physicsClientId=client)
    body = pb.createMultiBody(
        baseMass=0.05 if size < 0.05 else 0.12,
        baseCollisionShapeIndex=col,
        baseVisualShapeIndex=vis,
        basePosition=list(position),
        baseOrientation=pb.getQuaternionFromEuler([0, 0, yaw]),
        physicsClientId=client,
    )
    pb.changeDynamics(
        body,
        -1,
        lateralFriction=0.8,
        spinningFriction=0.001,
        rollingFriction=0.0001,
        restitution=0.0,
        physicsClientId=client,
    )
    return SceneObject(body, "block", color, size, label)


def make_bowl(client: int, color: str, position, diameter: float) -> SceneObject:
    """A static bowl: a thin floor disc and a ring of wall segments (concave, so built from parts)."""
    radius = diameter / 2
    wall_t = 0.006
    seg_len = 2 * np.pi * radius / BOWL_WALL_SEGMENTS * 1.05
    shapes, halves, offsets, quats = [pb.GEOM_CYLINDER], [None], [[0, 0, BOWL_FLOOR / 2]], [[0, 0, 0, 1]]
    for i in range(BOWL_WALL_SEGMENTS):
        a = 2 * np.pi * i / BOWL_WALL_SEGMENTS
        shapes.append(pb.GEOM_BOX)
        halves.append([wall_t / 2, seg_len / 2, BOWL_WALL_HEIGHT / 2])
        offsets.append([(radius - wall_t / 2) * np.cos(a), (radius - wall_t / 2) * np.sin(a), BOWL_WALL_HEIGHT / 2])
        quats.append(list(pb.getQuaternionFromEuler([0, 0, a])))
    kwargs = dict(
        shapeTypes=shapes,
        radii=[radius] + [0.0] * BOWL_WALL_SEGMENTS,
        lengths=[BOWL_FLOOR] + [0.0] * BOWL_WALL_SEGMENTS,
        halfExtents=[[0, 0, 0]] + halves[1:],
        physicsClientId=client,
    )
    col = pb.createCollisionShapeArray(collisionFramePositions=offsets, collisionFrameOrientations=quats, **kwargs)
    rgba = _rgba(color)
    # meshScales/fileNames must be given even for primitives, or PyBullet crashes.
    vis = pb.createVisualShapeArray(
        rgbaColors=[rgba] * len(shapes),
        visualFramePositions=offsets,
        visualFrameOrientations=quats,
        meshScales=[[1, 1, 1]] * len(shapes),
        fileNames=[""] * len(shapes),
        **kwargs,
    )
    body = pb.createMultiBody(0, col, vis, basePosition=list(position), physicsClientId=client)
    pb.changeVisualShape(body, -1, rgbaColor=rgba, physicsClientId=client)
    pb.changeDynamics(body, -1, lateralFriction=0.8, physicsClientId=client)
    return SceneObject(body, "bowl", color, diameter)


def make_zone(client: int, color: str, position, yaw: float, size: float) -> SceneObject:
    """A coloured square on the table, visual only: objects rest on the table through it."""
    vis = pb.createVisualShape(
        pb.GEOM_BOX,
        halfExtents=[size / 2, size / 2, ZONE_THICKNESS / 2],
        rgbaColor=_rgba(color),
        physicsClientId=client,
    )
    pos = [position[0], position[1], ZONE_THICKNESS / 2]
    body = pb.createMultiBody(
        0, -1, vis, basePosition=pos, baseOrientation=pb.getQuaternionFromEuler([0, 0, yaw]), physicsClientId=client
    )
    return SceneObject(body, "zone", color, size)
