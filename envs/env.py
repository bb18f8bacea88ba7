"""LoHoRavensEnv: one LoHoRavens task as a gymnasium environment."""

from __future__ import annotations

import string
import zlib
from typing import Any

import gymnasium as gym
import numpy as np

from lohovla.envs.actions import InvalidAction, parse_action
from lohovla.envs.cameras import camera_specs, capture, render, video_camera, view_camera
from lohovla.envs.heightmap import CameraFrame, fuse_heightmaps, heightmap_shape
from lohovla.envs.primitive import FastPrimitive
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE, SPLIT_SEEDS, SPLITS, split_seed
from lohovla.envs.tasks.registry import get_task_class

MODES = ("fast", "arm")
#: where distractors' colours come from: "all" 11 (LoHoRavens), or the "split"'s own (Task.distractor_palette)
DISTRACTOR_COLORS = ("all", "split")
SUCCESS_THRESHOLD = 0.99
GOAL_CHARSET = string.ascii_letters + string.digits + " .,'-"


def check_distractor_colors(distractor_colors: str, split: str) -> None:
    """ValueError unless `distractor_colors` is known and, when not LoHoRavens' "all", the split is train (callers
    that start workers check first, so a bad value is one line, not a worker's traceback)."""
    if distractor_colors not in DISTRACTOR_COLORS:
        raise ValueError(f"unknown distractor_colors {distractor_colors!r}; expected one of {DISTRACTOR_COLORS}")
    if distractor_colors != "all" and split != "train":
        raise ValueError(
            f"distractor_colors={distractor_colors!r} is for training data; {split} scenes keep LoHoRavens'"
        )


def _pose_space() -> gym.spaces.Tuple:
    return gym.spaces.Tuple(
        (
            gym.spaces.Box(BOUNDS[:, 0].astype(np.float32), BOUNDS[:, 1].astype(np.float32), dtype=np.float32),
            gym.spaces.Box(-1.0, 1.0, (4,), dtype=np.float32),
        )
    )


class LoHoRavensEnv(gym.Env):
    """A LoHoRavens tabletop task: top-down RGB + height observations, one pick-and-place per step.

    reset(seed=s) builds the scene of seed s (a pure function of task, split and seed); seed=None takes
    the split's next seed after the last one (test: 10001, 10003, ...). Rewards of an episode add up to its
    final progress; score = 100 x total reward; success = total reward > 0.99. A bad action is refused with
    zero reward and info["error"] (or raises ValueError with strict=True); it still uses up one of the
    episode's steps.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 2}

    def __init__(
        self,
        task: str,
        split: str = "test",
        mode: str = "fast",
        cameras: str = "top",
        pixel_size: float = PIXEL_SIZE,
        obs_noise: bool = False,
        color_noise: float = 3.0,
        depth_noise: float = 0.003,
        drop_prob_per_s: float = 0.0,
        distractor_colors: str = "all",
        strict: bool = False,
        render_mode: str | None = None,
        record_frames: bool = False,
        video_size: tuple[int, int] = (640, 480),
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
        check_distractor_colors(distractor_colors, split)
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"unsupported render_mode {render_mode!r}; only 'rgb_array'")
        self.task_name, self.split, self.mode = task, split, mode
        self.task_cls = get_task_class(task)
        self.bounds, self.pixel_size = BOUNDS.copy(), float(pixel_size)
        self.camera_set = camera_specs(cameras, self.pixel_size, self.bounds)
        self.obs_noise, self.color_noise, self.depth_noise = obs_noise, color_noise, depth_noise
        self.strict, self.render_mode, self.record_frames = strict, render_mode, record_frames
        self.drop_prob_per_s, self.distractor_colors = drop_prob_per_s, distractor_colors
        self.video_size = (int(video_size[0]), int(video_size[1]))

        from lohovla.envs.world import World

        self.world = World()
        if mode == "fast":
            self.primitive = FastPrimitive(self.world, drop_prob_per_s)
        else:
            from lohovla.envs.arm import ArmPrimitive

            self.primitive = ArmPrimitive(self.world, drop_prob_per_s)

        rows, cols = heightmap_shape(self.bounds, self.pixel_size)
        self.observation_space = gym.spaces.Dict(
            {
                "color": gym.spaces.Box(0, 255, (rows, cols, 3), dtype=np.uint8),
                "height": gym.spaces.Box(
                    0.0, float(self.bounds[2, 1] - self.bounds[2, 0]), (rows, cols), dtype=np.float32
                ),
                "goal": gym.spaces.Text(max_length=256, min_length=0, charset=GOAL_CHARSET),
            }
        )
        self.action_space = gym.spaces.Dict({"pick": _pose_space(), "place": _pose_space()})
        self.task = None
        self._next_seed = split_seed(split, 0)
        self._frames: list[CameraFrame] = []
        self.frames: list[np.ndarray] = []  # video frames of the episode when record_frames
        #: one entry per frame: {"step": steps taken when it was drawn, "phase": "start" | "move" | "after"};
        #: "after" frames also say whether the step grasped, dropped the block, or was refused (error)
        self.frame_meta: list[dict[str, Any]] = []

    # --- gymnasium API ---------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is None:
            seed = self._next_seed
        self.seed_value = int(seed)
        self._next_seed = self.seed_value + SPLIT_SEEDS[self.split][1]
        scene_rng = np.random.default_rng([self.seed_value, zlib.crc32(self.task_name.encode())])
        self._noise_rng = np.random.default_rng([self.seed_value, 1])
        self._drop_rng = np.random.default_rng([self.seed_value, 2])
        self.task = self.task_cls()
        self.task.distractor_colors = self.distractor_colors
        self.task.setup(self.world, scene_rng, self.split)
        self.primitive.attach()
        self.world.settle()
        self._start_progress = self._progress = self.task.progress(self.world)
        self.steps, self.total_reward, self.done = 0, 0.0, False
        self.frames, self.frame_meta = [], []
        obs = self._observe()
        if self.record_frames:
            self._record("start")
        return obs, self._info(error=None)

    def step(self, action: Any):
        if self.task is None:
            raise RuntimeError("call reset() before step()")
        error = None
        self.steps += 1
        try:
            pick, place = parse_action(action, self.bounds)
        except InvalidAction as exc:
            if self.strict:
                raise
            error = str(exc)
        grasped, dropped = False, False
        if error is None and self.done:
            error = "episode is over; call reset()"
        if error is None:
            cb = self._record if self.record_frames else None
            result = self.primitive.execute(pick, place, self._drop_rng, frame_cb=cb)
            grasped, dropped = result.grasped, result.dropped
            if result.dropped:
                error = None  # a drop is a perturbation, not a bad action
        progress = self.task.progress(self.world)
        reward = progress - self._progress
        self._progress = progress
        self.total_reward += reward
        terminated = self.total_reward > SUCCESS_THRESHOLD
        self.done = self.done or terminated
        truncated = not terminated and self.steps >= self.task.max_steps
        obs = self._observe()
        if self.record_frames:
            self._record("after")
            self.frame_meta[-1].update(grasped=grasped, dropped=dropped, error=error)
        info = self._info(error=error)
        info["grasped"] = grasped
        return obs, float(reward), bool(terminated), bool(truncated), info

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        return self.render_view()

    def close(self) -> None:
        self.world.close()

    # --- observation and state -----------------------------------------------------------------
    def camera_frames(self) -> list[CameraFrame]:
        """The RGB-D frames the current observation was built from (what a robot's cameras would send)."""
        return list(self._frames)

    def render_view(self, width: int = 320, height: int = 240) -> np.ndarray:
        return render(self.world.client, view_camera(width, height))[0]

    def video_camera(self):
        """The camera of the recorded frames (wider in arm mode, so the arm stays in view)."""
        return video_camera(*self.video_size, wide=self.mode == "arm")

    def _record(self, phase: str = "move") -> None:
        """Append one video frame (the workspace view at video_size) and what it shows."""
        self.frames.append(render(self.world.client, self.video_camera())[0])
        self.frame_meta.append({"step": self.steps, "phase": phase})

    def _observe(self) -> dict[str, Any]:
        noisy = self.obs_noise
        self._frames = capture(
            self.world.client,
            self.camera_set,
            self._noise_rng if noisy else None,
            self.color_noise if noisy else 0.0,
            self.depth_noise if noisy else 0.0,
        )
        color, height = fuse_heightmaps(self._frames, self.bounds, self.pixel_size)
        return {"color": color, "height": height, "goal": self.task.goal}

    def _info(self, error: str | None) -> dict[str, Any]:
        oracle = self.task.oracle(self.world)
        return {
            "task": self.task_name,
            "split": self.split,
            "seed": self.seed_value,
            "goal": self.task.goal,
            "step": self.steps,
            "max_steps": self.task.max_steps,
            "total_reward": float(self.total_reward),
            "score": float(100.0 * self.total_reward),
            "success": bool(self.total_reward > SUCCESS_THRESHOLD),
            "error": error,
            "grasped": False,
            "oracle": None
            if oracle is None
            else {
                "subtask": oracle.subtask,
                "pick": (oracle.pick[0].tolist(), oracle.pick[1].tolist()),
                "place": (oracle.place[0].tolist(), oracle.place[1].tolist()),
            },
            "valid_subtasks": self.task.valid_subtasks(self.world),
            "objects": self.object_states(),
        }

    def object_states(self) -> list[dict[str, Any]]:
        """Privileged scene state (sim only): every object's label, kind, colour, size and pose."""
        states = []
        for obj in self.world.objects:
            pos = self.world.position(obj)
            states.append(
                {
                    "label": obj.label,
                    "kind": obj.kind,
                    "color": obj.color,
                    "size": obj.size,
                    "position": [round(float(v), 5) for v in pos],
                    "yaw": round(self.world.yaw(obj), 5),
                }
            )
        return states
