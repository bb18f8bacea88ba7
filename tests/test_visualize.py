"""Videos and explanation images: marks land where the objects are, every frame says which step and what
happened, outputs are written atomically."""

from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image

from lohovla.envs.registration import make_env
from lohovla.policies.oracle import OraclePolicy
from lohovla.visualize import draw
from lohovla.visualize.annotate import EpisodeView, annotate_frame, named_areas
from lohovla.visualize.explain import cell_to_world, write_explanations
from lohovla.visualize.projection import project
from lohovla.visualize.record import run_recorded
from lohovla.visualize.trace import StepTrace
from lohovla.visualize.writer import write_video


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    env = make_env("put-block-into-matching-bowl", split="val", mode="fast")
    path = tmp_path_factory.mktemp("video") / "ep.mp4"
    rec = run_recorded(OraclePolicy(), env, seed=1, video=path)
    meta = list(env.unwrapped.frame_meta)
    env.close()
    return rec, meta


def _near(image: np.ndarray, uv, rgb, radius: int = 14, tol: int = 40) -> bool:
    u, v = int(round(uv[0])), int(round(uv[1]))
    patch = image[max(0, v - radius) : v + radius, max(0, u - radius) : u + radius].astype(int)
    return bool((np.abs(patch - np.array(rgb)).max(axis=-1) < tol).any())


def test_projection_finds_a_block_in_the_rendered_view() -> None:
    env = make_env("pick-and-place-primitive", split="val", mode="fast")
    base = env.unwrapped
    env.reset(seed=3)
    spec = base.video_camera()
    from lohovla.envs.cameras import render

    frame = render(base.world.client, spec)[0]
    block = next(o for o in base.world.objects if o.kind == "block")
    top = base.world.position(block) + [0, 0, block.size / 2]
    u, v = project(spec, top)
    assert 0 <= u < spec.width and 0 <= v < spec.height
    rgb = frame[int(v), int(u)].astype(int)
    table = frame[5, 5].astype(int)  # a corner of the view: table or background, not the block
    assert np.abs(rgb - table).max() > 20  # the projected point is on the block, not on the table
    assert project(spec, spec.eye + (np.asarray(spec.eye) - spec.target)) is None  # behind the camera
    env.close()


def test_recorded_video_has_several_frames_per_step_and_is_small(recorded) -> None:
    rec, meta = recorded
    steps = rec.result.steps
    assert rec.video.exists() and rec.video.stat().st_size < 2_000_000
    moving = [m for m in meta if m["phase"] == "move"]
    assert len(moving) >= 5 * steps  # the cup's path, not one frame per step
    assert [m["step"] for m in meta] == sorted(m["step"] for m in meta)
    assert [m["phase"] for m in meta].count("after") == steps
    reader = imageio.get_reader(rec.video)
    first = reader.get_data(0)
    reader.close()
    assert first.shape[0] >= 480 and first.shape[1] >= 640
    assert len(rec.steps) == steps and all(s.color is not None for s in rec.steps)


def _view(rewards) -> EpisodeView:
    return EpisodeView(
        "stack-block-in-absolute-area", 1, "stack all the blocks in the top left area.", 5, rewards, 0, False
    )


def _trace() -> StepTrace:
    return StepTrace("pick up the red block and place it on the blue block.", np.array([0.4, -0.2, 0.02]),
                     np.array([0.6, 0.2, 0.04]), True, ["colour_check"])  # fmt: skip


def test_frames_mark_pick_and_place_and_say_whether_the_step_worked() -> None:
    blank = np.full((480, 640, 3), 128, np.uint8)
    from lohovla.envs.cameras import video_camera

    spec = video_camera(640, 480)
    worked = annotate_frame(blank, {"step": 1, "phase": "after"}, _view([0.25]), [_trace()])
    failed = annotate_frame(blank, {"step": 1, "phase": "after"}, _view([0.0]), [_trace()])
    header = worked.shape[0] - 480 - 56
    for image in (worked, failed):
        view = image[header : header + 480, :640]
        assert _near(view, project(spec, _trace().pick), draw.PICK_RGB)
        assert _near(view, project(spec, _trace().place), draw.PLACE_RGB)
    footer_ok, footer_bad = worked[header + 480 :], failed[header + 480 :]
    assert _near(footer_ok, (150, 20), draw.OK_RGB, radius=150) and not _near(footer_ok, (150, 20), draw.FAIL_RGB, 150)
    assert _near(footer_bad, (150, 20), draw.FAIL_RGB, radius=150) and not _near(
        footer_bad, (150, 20), draw.OK_RGB, 150
    )
    assert named_areas("stack all the blocks in the top left area.") == ["top left"]


def test_video_writer_refuses_unknown_formats_and_leaves_no_half_file(tmp_path) -> None:
    with pytest.raises(ValueError):
        write_video([np.zeros((48, 64, 3), np.uint8)], tmp_path / "a.avi")
    with pytest.raises(ValueError):
        write_video([np.zeros((48, 64, 3), np.uint8), np.zeros((8, 8), np.uint8)], tmp_path / "b.mp4")

    class Killed:  # a frame source that dies while the video is being written
        calls = 0

        def __array__(self, dtype=None, copy=None):
            Killed.calls += 1
            if Killed.calls > 1:
                raise RuntimeError("killed")
            return np.zeros((48, 64, 3), np.uint8)

    with pytest.raises(RuntimeError):
        write_video([np.zeros((48, 64, 3), np.uint8)] * 5 + [Killed()], tmp_path / "c.mp4")
    assert list(tmp_path.iterdir()) == []  # no half video, no temporary file
    gif = write_video([np.zeros((48, 64, 3), np.uint8)] * 3, tmp_path / "d.gif")
    assert gif.exists() and gif.read_bytes()[:3] == b"GIF"


def test_explanations_show_maps_points_and_checks(tmp_path) -> None:
    trace = _trace()
    scores = np.zeros((320, 160), np.float32)
    scores[96, 48] = 1.0
    trace.explain = {"pick_scores": scores, "pick_px": (96, 48), "subtask_before_checks": "pick up the red block."}
    trace.color = np.zeros((320, 160, 3), np.uint8)
    trace.height = np.zeros((320, 160), np.float32)
    bare = StepTrace("pick up the blue block.", np.array([0.5, 0, 0.02]), np.array([0.5, 0.1, 0.02]), False)
    paths = write_explanations([trace, bare], [0.0, 0.5], "a goal.", tmp_path)
    assert [p.name for p in paths] == ["step_01.png", "step_02.png", "contact_sheet.png"]
    rows = [Image.open(p) for p in paths[:2]]
    sheet = Image.open(paths[2])
    assert sheet.size[1] == sum(r.size[1] for r in rows)
    x, y = cell_to_world((96, 48), scores.shape)
    assert abs(y - (-0.5 + 96.5 * 0.003125)) < 1e-9 and abs(x - (0.25 + 48.5 * 0.003125)) < 1e-9
    assert not any(p.name.startswith(".tmp") for p in tmp_path.iterdir())


@pytest.mark.parametrize("task", ["put-block-into-matching-bowl", "stack-block-in-absolute-area"])
def test_recording_a_video_does_not_change_the_episode(task) -> None:
    from lohovla.rollout import run_episode

    outcomes = []
    for record in (False, True):
        env = make_env(task, split="val", mode="fast")
        ep = run_episode(OraclePolicy(), env, seed=3, record=record)
        outcomes.append((ep.rewards, ep.subtasks, [o["position"] for o in env.unwrapped.object_states()]))
        env.close()
    assert outcomes[0] == outcomes[1]


def test_a_missed_grasp_is_shown_and_recorded_as_such() -> None:
    env = make_env("put-block-into-matching-bowl", split="val", mode="fast", record_frames=True)
    env.reset(seed=1)
    quat = np.array([0.0, 0.0, 0.0, 1.0])
    empty = (np.array([0.27, -0.48, 0.0]), quat)  # a table corner: nothing to pick up
    env.step({"pick": empty, "place": (np.array([0.5, 0.0, 0.0]), quat)})
    meta = env.unwrapped.frame_meta
    moves = [m for m in meta if m["step"] == 1 and m["phase"] == "move"]
    assert len(moves) >= 3  # the cup goes down and comes back up empty
    assert meta[-1]["phase"] == "after" and meta[-1]["grasped"] is False and meta[-1]["error"] is None
    env.close()
