"""The suction primitive, `arm` mode: a Franka Panda with our suction tool, moved by IK and joint motors.

Same waypoints as the fast mode (primitive.py): 0.32 m above the pick, down until the cup touches, suck,
lift, over the place pose, down until the held block touches, release, lift; then home and settle.
Straight lines are IK points every 2 cm (pybullet's null-space IK, then damped least squares) streamed
to position-controlled joints with feed-forward velocities; joint-space moves follow trapezoids under
the Panda's speed and acceleration limits. Physics runs at the world's 1/240 s near contacts and at
3 x 1/240 s where none can happen (joint-space moves, lifts, descents above the wrist's depth scan).

Robot: the Panda of pybullet_data, base on a pedestal at BASE. The KUKA iiwa cannot serve this workspace
with a vertical cup: its shoulder-to-wrist distance is 0.41-0.82 m (elbow limit 120 deg), too thin a
shell for a 0.38 x 0.88 m table area plus 0.3 m of tower height; the Panda's folds to ~0.2 m. Its
gripper is replaced by our suction tool (suction.py). The cup is round, so only the turn between the
pick and place yaws matters to the block (block_final = place * inv(pick) * block, as in fast mode);
the wrist angle it starts from is chosen to keep joint 7 mid-range.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import xml.etree.ElementTree as ET

import numpy as np
import pybullet as pb
import pybullet_data

from lohovla.envs.geometry import Pose, quat_from_yaw, yaw_of
from lohovla.envs.objects import SceneObject
from lohovla.envs.primitive import APPROACH_HEIGHT, PrimitiveResult
from lohovla.envs.suction import CUP_RADIUS, LENGTH, SuctionTool
from lohovla.envs.world import TIME_STEP, World

BASE = (0.03, 0.0, 0.2)  # behind the workspace (x < 0.25), on a 20 cm pedestal
PEDESTAL_HALF = (0.09, 0.09, 0.1)
N = 7  # arm joints
FLANGE = 7  # panda_link8 once the gripper links are gone
#: Cup down at (0.275, 0, 0.775): every link is behind x = 0.25 or above z = 0.5, where the top camera
#: (near plane at z = 0.5) cannot see it; of such poses, the one closest in time to the approach poses.
HOME = np.array([0.0, -0.6, 0.0, -1.57, 0.0, 0.96, 0.0])
#: (j2, j4) of the rest poses tried in turn: cup down (j6 = j2 - j4), j1 and j7 set per target.
REST_VARIANTS = ((0.2, -2.2), (-0.3, -2.7), (0.6, -1.5), (0.0, -2.9), (0.9, -1.0))
LIMIT_MARGIN = 0.02  # rad kept from the URDF joint limits
IK_TOL = 2e-4  # m (+ rad / 10) accepted as reached
GRIPPER_LINKS = ("panda_hand", "panda_leftfinger", "panda_rightfinger", "panda_grasptarget")


@functools.lru_cache(maxsize=1)
def arm_urdf() -> str:
    """panda.urdf without its gripper and with its low-poly collision meshes as visuals.

    Why: the detailed visual meshes (9 MB) take ~0.4 s to load at every scene rebuild and slow every
    render; the gripper is replaced by the suction tool. Written once per process into the temp dir.
    """
    root_dir = os.path.join(pybullet_data.getDataPath(), "franka_panda")
    tree = ET.parse(os.path.join(root_dir, "panda.urdf"))
    robot = tree.getroot()
    for el in list(robot):
        name = el.get("name", "")
        child = el.find("child")
        if name in GRIPPER_LINKS or (child is not None and child.get("link") in GRIPPER_LINKS):
            robot.remove(el)
    for mesh in robot.iter("mesh"):
        rel = mesh.get("filename").replace("package://", "").replace("meshes/visual/", "meshes/collision/")
        mesh.set("filename", os.path.join(root_dir, rel))
    text = ET.tostring(robot, encoding="unicode")
    digest = hashlib.sha1(text.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"lohovla_panda_suction_{digest}.urdf")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    return path


def load_arm(client: int) -> int:
    return pb.loadURDF(
        arm_urdf(), BASE, useFixedBase=True, flags=pb.URDF_ENABLE_CACHED_GRAPHICS_SHAPES, physicsClientId=client
    )


def cup_quat(yaw: float) -> np.ndarray:
    """Orientation of the flange (and cup) pointing straight down, turned by yaw about the vertical."""
    down = pb.getQuaternionFromEuler([np.pi, 0.0, 0.0])
    return np.array(pb.multiplyTransforms([0, 0, 0], list(quat_from_yaw(yaw)), [0, 0, 0], down)[1])


def wrap(a: float) -> float:
    return float((a + np.pi) % (2 * np.pi) - np.pi)


class Kinematics:
    """IK and FK on a private copy of the arm in its own DIRECT client, so solving never disturbs the
    simulated arm and a target always gets the same solution (the seed depends on the target only)."""

    def __init__(self) -> None:
        self.client = pb.connect(pb.DIRECT)
        self.body = load_arm(self.client)
        info = [pb.getJointInfo(self.body, j, physicsClientId=self.client) for j in range(N)]
        self.lower = np.array([i[8] for i in info]) + LIMIT_MARGIN
        self.upper = np.array([i[9] for i in info]) - LIMIT_MARGIN
        self.max_force = np.array([i[10] for i in info])
        self.max_vel = np.array([i[11] for i in info])
        # tip yaw = azimuth + yaw0 + sign * j7 when j3 = j5 = 0 (used to keep j7 mid-range)
        y0 = yaw_of(self.tip(self._rest(0.0, 0.0))[1])
        y1 = yaw_of(self.tip(self._rest(0.0, 1.0))[1])
        self.yaw0, self.yaw_sign = y0, float(np.sign(wrap(y1 - y0)))

    def _rest(self, azimuth: float, j7: float, variant: tuple[float, float] = REST_VARIANTS[0]) -> np.ndarray:
        a, b = variant
        return np.array([azimuth, a, 0.0, b, 0.0, a - b, j7])

    def set(self, q) -> None:
        pb.resetJointStatesMultiDof(self.body, list(range(N)), [[float(v)] for v in q[:N]], physicsClientId=self.client)

    def tip(self, q) -> Pose:
        """Pose of the cup's rim for joint angles q (its z axis points out of the cup)."""
        self.set(q)
        s = pb.getLinkState(self.body, FLANGE, computeForwardKinematics=True, physicsClientId=self.client)
        pos, quat = pb.multiplyTransforms(s[4], s[5], [0, 0, LENGTH], [0, 0, 0, 1])
        return np.array(pos), np.array(quat)

    def error(self, q, pos, quat) -> float:
        """Position error (m) plus a tenth of the orientation error (rad)."""
        p, o = self.tip(q)
        d = abs(float(np.dot(o, quat)))
        return float(np.linalg.norm(p - pos) + 0.1 * 2 * np.arccos(min(1.0, d)))

    def azimuth(self, xy) -> float:
        return float(np.arctan2(xy[1] - BASE[1], xy[0] - BASE[0]))

    def natural_j7(self, xy, yaw: float) -> float:
        """j7 that turns the cup to `yaw` at xy with the other joints in the plane of the arm."""
        return wrap(self.yaw_sign * (yaw - self.azimuth(xy) - self.yaw0))

    def solve(self, pos, yaw: float, seed=None) -> tuple[np.ndarray, float]:
        """Joint angles putting the cup rim at pos, pointing down with `yaw`; returns (q, error).

        Without a seed: pybullet's null-space IK pulled towards rest poses built from the target (so
        the same target gives the same solution), refined by damped least squares inside the limits.
        With a seed (a nearby solution, e.g. the previous point of a straight line): refinement only.
        """
        pos = np.asarray(pos, dtype=np.float64)
        quat = cup_quat(yaw)
        fpos, fquat = pb.multiplyTransforms(list(pos), list(quat), [0, 0, -LENGTH], [0, 0, 0, 1])
        if seed is not None:
            q = self._refine(np.asarray(seed, dtype=np.float64), fpos, fquat)
            err = self.error(q, pos, quat)
            if err < IK_TOL:
                return q, err
        best = (np.inf, None)
        az, j7 = self.azimuth(pos), self.natural_j7(pos, yaw)
        for variant in REST_VARIANTS:
            rest = np.clip(self._rest(az, j7, variant), self.lower, self.upper)
            q = rest
            for _ in range(8):
                self.set(q)
                q = self._clip(
                    pb.calculateInverseKinematics(
                        self.body,
                        FLANGE,
                        fpos,
                        fquat,
                        lowerLimits=list(self.lower),
                        upperLimits=list(self.upper),
                        jointRanges=list(self.upper - self.lower),
                        restPoses=list(rest),
                        maxNumIterations=1,
                        physicsClientId=self.client,
                    )
                )
            q = self._refine(q, fpos, fquat)
            err = self.error(q, pos, quat)
            if err < best[0]:
                best = (err, q)
            if err < IK_TOL:
                break
        return best[1], best[0]

    def _clip(self, q) -> np.ndarray:
        return np.clip(np.asarray(q[:N], dtype=np.float64), self.lower, self.upper)

    def _refine(self, q: np.ndarray, fpos, fquat, iters: int = 30) -> np.ndarray:
        """Damped least squares steps (pybullet's IK without null space) until the angles stop moving."""
        for _ in range(iters):
            self.set(q)
            nxt = self._clip(
                pb.calculateInverseKinematics(
                    self.body,
                    FLANGE,
                    fpos,
                    fquat,
                    jointDamping=[1e-3] * N,
                    maxNumIterations=1,
                    physicsClientId=self.client,
                )
            )
            done = float(np.max(np.abs(nxt - q))) < 1e-6
            q = nxt
            if done:
                break
        return q


@functools.lru_cache(maxsize=1)
def kinematics() -> Kinematics:
    """One solver per process: every env's arm stands at the same base."""
    return Kinematics()


# --- the primitive ------------------------------------------------------------------------------------
VEL_FRACTION = 1.0  # of the URDF joint speed limits (the real Panda's), for joint-space moves
MIN_MOVE_S = 0.1
COARSE = 3  # physics steps of 3 x 1/240 s during motions where no contact can happen
COARSE_CLEARANCE = 0.08  # m above the first possible contact where descents switch to fine steps
RELEASE_CLEARANCE = 0.02  # m of lift on fine steps before going coarse
JOINT_ACCEL = 0.8 * np.array([15.0, 7.5, 10.0, 12.5, 15.0, 20.0, 20.0])  # rad/s^2, of the Panda's limits
FAST = 1.2  # m/s of the cup on straight lines away from contact
SLOW = 0.12  # m/s near the expected contact, so touching never knocks anything over
SLOW_ZONE = 0.02  # m above the expected contact where the cup slows down
ACCEL = 9.0  # m/s^2 on straight lines (the Panda allows 13)
LINE_STEP = 0.02  # m between IK points of a straight line
SETTLE_TOL = 2e-3  # rad: a joint-space move ends when every joint is this close and still
SETTLE_MAX = 60  # steps
FRAME_PERIOD_S = 0.12  # simulated seconds between video frames while a video is recorded
POSITION_GAIN, VELOCITY_GAIN = 0.3, 1.0


def _trapezoid(t: float, duration: float, ramp: float) -> tuple[float, float]:
    """Progress 0->1 at time t and its rate: constant acceleration for `ramp` seconds at both ends."""
    v = 1.0 / (duration - ramp)  # cruise rate
    if t < ramp:
        return 0.5 * v / ramp * t * t, v * t / ramp
    if t > duration - ramp:
        r = duration - t
        return 1.0 - 0.5 * v / ramp * r * r, v * r / ramp
    return v * (t - ramp / 2), v


class ArmPrimitive:
    """Suction pick-and-place by a simulated Panda: IK waypoints, joint position motors, real contacts."""

    def __init__(self, world: World, drop_prob_per_s: float = 0.0) -> None:
        self.world = world
        self.drop_prob_per_s = drop_prob_per_s
        self.kin = kinematics()
        self.body = -1
        self.tool: SuctionTool | None = None
        self.steps = 0  # simulation steps of the last execute() (for speed reports)
        self._dt = TIME_STEP
        self._frame_cb, self._since_frame = None, 0.0  # video frames while execute() runs (env.record_frames)

    # --- scene ----------------------------------------------------------------------------------------
    def attach(self) -> None:
        """Load the pedestal, the arm at HOME and the tool into the freshly reset world."""
        c = self.world.client
        half = PEDESTAL_HALF
        col = pb.createCollisionShape(pb.GEOM_BOX, halfExtents=half, physicsClientId=c)
        vis = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=[0.3, 0.3, 0.32, 1], physicsClientId=c)
        pedestal = pb.createMultiBody(0, col, vis, basePosition=[BASE[0], BASE[1], half[2]], physicsClientId=c)
        self.body = load_arm(c)
        for j in range(-1, FLANGE + 1):
            pb.changeVisualShape(self.body, j, rgbaColor=[0.92, 0.92, 0.9, 1], physicsClientId=c)
            pb.setCollisionFilterPair(self.body, pedestal, j, -1, 0, physicsClientId=c)
        for j in range(N):
            pb.resetJointState(self.body, j, HOME[j], physicsClientId=c)
        self._command(HOME)
        self.tool = SuctionTool(c, self.body, FLANGE)

    def q(self) -> np.ndarray:
        states = pb.getJointStates(self.body, range(N), physicsClientId=self.world.client)
        return np.array([s[0] for s in states])

    def qd(self) -> np.ndarray:
        states = pb.getJointStates(self.body, range(N), physicsClientId=self.world.client)
        return np.array([s[1] for s in states])

    def _command(self, q, qd=None) -> None:
        pb.setJointMotorControlArray(
            self.body,
            range(N),
            pb.POSITION_CONTROL,
            targetPositions=list(q),
            targetVelocities=list(np.zeros(N) if qd is None else qd),
            forces=list(self.kin.max_force),
            positionGains=[POSITION_GAIN] * N,
            velocityGains=[VELOCITY_GAIN] * N,
            physicsClientId=self.world.client,
        )
        self._q_cmd = np.asarray(q, dtype=np.float64)

    def _step(self, dt: float = TIME_STEP) -> None:
        self.world.step()
        self.steps += 1
        if self._frame_cb is not None:  # a video is recorded: a frame every FRAME_PERIOD_S of simulated time
            self._since_frame += dt
            if self._since_frame >= FRAME_PERIOD_S:
                self._since_frame = 0.0
                self._frame_cb()
        if self.tool.held is not None:
            self._held_s += dt
            if self._drop_after is not None and self._held_s >= self._drop_after:
                self.tool.release()
                self._dropped = True

    # --- motions --------------------------------------------------------------------------------------
    def _move_joints(self, goal: np.ndarray, stop=None) -> bool:
        """Joint-space move at capped joint speed and acceleration, then wait until the arm is there.

        Far from any contact, so the physics runs COARSE times the world's time step meanwhile.
        Returns False if `stop()` became true on the way (the arm then holds where it is).
        """
        start = self._q_cmd.copy()
        delta = goal - start
        vmax = VEL_FRACTION * self.kin.max_vel
        cruise = max(MIN_MOVE_S / 2, float(np.max(np.abs(delta) / vmax)))  # the slowest joint at full speed
        ramp = min(cruise, float(np.max(np.abs(delta) / cruise / JOINT_ACCEL)))  # each joint within its accel
        duration = cruise + ramp
        dt = self._set_dt(COARSE * TIME_STEP)
        n = max(1, int(np.ceil(duration / dt)))
        try:
            for i in range(1, n + 1):
                s, ds = _trapezoid(min(i * dt, duration), duration, ramp)
                self._command(start + s * delta, ds * delta)
                self._step(dt)
                if stop is not None and stop():
                    return self._hold()
            for _ in range(SETTLE_MAX // COARSE):
                if np.max(np.abs(self.q() - goal)) < SETTLE_TOL and np.max(np.abs(self.qd())) < 0.05:
                    break
                self._step(dt)
        finally:
            self._set_dt(TIME_STEP)
        return True

    def _hold(self) -> bool:
        self._command(self.q())
        return False

    def _line(
        self, path: list[np.ndarray], heights: list[float], slow_below: float, stop=None, coarse_above: float = np.inf
    ) -> int:
        """Follow joint waypoints of a straight vertical line; slow below `slow_below`.

        The cup's speed along the line ramps at ACCEL (a speed step would make the joints, which
        have different torques, lag differently and swing the cup sideways). Above `coarse_above`
        no contact can happen, so the physics takes COARSE steps there. Returns the index of the
        last waypoint, or -1 - i if `stop()` ended the motion on segment i.
        """
        h = np.asarray(heights, dtype=np.float64)
        seg_len = np.maximum(np.abs(np.diff(h)), 1e-6)
        dist = np.concatenate([[0.0], np.cumsum(seg_len)])  # metres along the line at each waypoint
        speed, s, last = 0.0, 0.0, len(path) - 1
        try:
            while s < dist[-1]:
                i = min(int(np.searchsorted(dist, s, side="right")) - 1, last - 1)
                height = h[i] + (s - dist[i]) / seg_len[i] * (h[i + 1] - h[i])
                dt = self._set_dt(COARSE * TIME_STEP if height > coarse_above else TIME_STEP)
                # top speed that still slows to SLOW by the slow zone at ACCEL
                cap = np.sqrt(SLOW**2 + 2 * ACCEL * (height - slow_below)) if height > slow_below else SLOW
                speed = min(FAST, cap, speed + ACCEL * dt)
                s = min(float(dist[-1]), s + speed * dt)
                i = min(int(np.searchsorted(dist, s, side="right")) - 1, last - 1)
                seg = path[i + 1] - path[i]
                self._command(path[i] + (s - dist[i]) / seg_len[i] * seg, seg * speed / seg_len[i])
                self._step(dt)
                if stop is not None and stop():
                    self._hold()
                    return -1 - i
        finally:
            self._set_dt(TIME_STEP)
        for _ in range(SETTLE_MAX // 2):
            if np.max(np.abs(self.q() - path[-1])) < SETTLE_TOL:
                break
            self._step()
        return last

    def _set_dt(self, dt: float) -> float:
        """Physics time step (the world's own one except during motions far from any contact)."""
        if dt != self._dt:
            pb.setPhysicsEngineParameter(fixedTimeStep=dt, physicsClientId=self.world.client)
            self._dt = dt
        return dt

    def _surface_below(self, xy, z_from: float, half: float) -> float:
        """Highest surface under a square of half-edge `half` around xy, below z_from (a depth scan
        from the wrist: it only decides where the descent may take coarse physics steps)."""
        ticks = np.linspace(-half, half, 3)
        starts = [[xy[0] + u, xy[1] + v, z_from] for u in ticks for v in ticks]
        ends = [[p[0], p[1], -0.05] for p in starts]
        hits = pb.rayTestBatch(starts, ends, physicsClientId=self.world.client)
        return max((h[3][2] for h in hits if h[0] >= 0), default=0.0)

    def _retreat(self, path: list[np.ndarray], heights: list[float], end: int) -> None:
        """Back up a vertical path to its top, starting where the arm is (not at the last waypoint:
        a jump there would swing the cup sideways while the joints catch up at different speeds)."""
        last = -1 - end if end < 0 else len(path) - 1
        q = self.q()
        up = [q] + path[last::-1]
        z = float(self.kin.tip(q)[0][2])
        self._line(up, [z] + heights[last::-1], -1.0, coarse_above=z + RELEASE_CLEARANCE)

    def _vertical_path(self, xy, z_top: float, z_bottom: float, yaw: float, q_top: np.ndarray):
        """IK points every LINE_STEP from z_top down to z_bottom, each solved from the one above."""
        path, heights, q = [q_top], [z_top], q_top
        for z in np.arange(z_top - LINE_STEP, z_bottom - 1e-9, -LINE_STEP):
            q, err = self.kin.solve([xy[0], xy[1], z], yaw, seed=q)
            if err > 10 * IK_TOL:
                break  # out of reach from here on: the cup stops above
            path.append(q)
            heights.append(float(z))
        return path, heights

    def _above(self, xy, z_want: float, z_min: float, yaw: float) -> tuple[np.ndarray, float]:
        """Joint angles and height of the approach point: z_want, lowered where the arm cannot reach."""
        z = z_want
        while True:
            q, err = self.kin.solve([xy[0], xy[1], z], yaw)
            if err < IK_TOL or z <= z_min:
                return q, z
            z = max(z_min, z - 0.02)

    def _cup_yaws(self, pick: Pose, place: Pose) -> tuple[float, float]:
        """Cup yaws at pick and place: same turn as from pick yaw to place yaw, with j7 mid-range.

        The cup is round, so only the turn between pick and place matters to the block; it is done
        the short way round (|turn| <= 180 deg), split evenly either side of the wrist's centre.
        """
        turn = wrap(yaw_of(place[1]) - yaw_of(pick[1]))
        j7_p = self.kin.natural_j7(pick[0], 0.0)
        j7_q = self.kin.natural_j7(place[0], turn)
        centre = wrap((j7_p + j7_q) / 2) if abs(j7_q - j7_p) <= np.pi else wrap((j7_p + j7_q) / 2 + np.pi)
        # yaw = azimuth + yaw0 + sign * j7, so shifting both by -centre (in j7) centres the wrist
        offset = -self.kin.yaw_sign * centre
        return wrap(offset), wrap(turn + offset)

    # --- the primitive --------------------------------------------------------------------------------
    def execute(self, pick: Pose, place: Pose, rng: np.random.Generator, frame_cb=None) -> PrimitiveResult:
        """One pick-and-place, ending at HOME with the scene settled. `grasped` only if the block is still
        held after the lift; with drop_prob_per_s, each held second may let it go (time drawn from rng)."""
        result = PrimitiveResult()
        self.steps, self._held_s, self._dropped = 0, 0.0, False
        self._frame_cb, self._since_frame = frame_cb, 0.0
        self._drop_after = None
        if self.drop_prob_per_s > 0:
            p = min(self.drop_prob_per_s, 1.0 - 1e-12)
            self._drop_after = float(np.log(1.0 - rng.uniform()) / np.log(1.0 - p))  # s of holding
        arm_blocked = lambda: bool(self.tool.cup_contacts() or self.tool.touching(self.body))  # noqa: E731

        yaw_p, yaw_q = self._cup_yaws(pick, place)
        pz = float(pick[0][2])
        q_top, z_top = self._above(pick[0], pz + APPROACH_HEIGHT, pz + 0.05, yaw_p)
        down, heights = self._vertical_path(pick[0], z_top, -0.01, yaw_p, q_top)
        self._move_joints(q_top)
        # where the cup will first touch: the wrist's depth scan (the action's z may be off)
        surface = self._surface_below(pick[0], z_top - 0.005, CUP_RADIUS)
        end = self._line(down, heights, surface + SLOW_ZONE, stop=arm_blocked, coarse_above=surface + COARSE_CLEARANCE)
        touched = self.tool.cup_contacts()
        obj = self.world.by_body(touched[0]) if touched else None
        if end < 0 and obj is not None and obj.movable and not self.tool.touching(self.body):
            self.tool.grasp(obj.body)
        self._retreat(down, heights, end)
        if self.tool.held is not None:
            result.grasped, result.held = True, obj
            if frame_cb:
                frame_cb()
            self._place(obj, place, yaw_q, arm_blocked, frame_cb)
        result.dropped = self._dropped
        self.tool.release()
        self._move_joints(HOME)
        self._frame_cb = None
        self.world.settle()
        return result

    def _place(self, held: SceneObject, place: Pose, yaw: float, arm_blocked, frame_cb) -> None:
        """Carry the held block over the place pose, lower it until it touches, let go, lift."""
        dropped = lambda: self.tool.held is None  # noqa: E731
        qz = float(place[0][2])
        q_top, z_top = self._above(place[0], qz + APPROACH_HEIGHT, qz + 0.05, yaw)
        # down to where a block held by its top face would be 1 cm into the table: it touches before
        down, heights = self._vertical_path(place[0], z_top, min(qz - 0.02, held.size - 0.01), yaw, q_top)
        if not self._move_joints(q_top, stop=dropped):
            return
        if frame_cb:
            frame_cb()
        # where the held block will first touch (it may be turned: scan around its footprint)
        touch = self._surface_below(place[0], z_top - held.size - 0.005, held.size * 0.71) + held.size
        end = self._line(
            down,
            heights,
            touch + SLOW_ZONE,
            stop=lambda: dropped() or bool(self.tool.held_contacts()) or arm_blocked(),
            coarse_above=touch + COARSE_CLEARANCE,
        )
        self.tool.release()
        if frame_cb:
            frame_cb()
        self._retreat(down, heights, end)
