"""Run one episode with video recording and write the annotated video (and, on request, the explanation)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lohovla.rollout import EpisodeResult, run_episode
from lohovla.visualize.annotate import EpisodeView, annotate_episode
from lohovla.visualize.trace import StepTrace, TracingPolicy
from lohovla.visualize.writer import write_video


@dataclass
class RecordedEpisode:
    result: EpisodeResult
    steps: list[StepTrace]
    view: EpisodeView
    video: Path | None = None


def run_recorded(policy, env, seed: int, video: str | Path | None = None, fps: int = 8) -> RecordedEpisode:
    """`run_episode` with the policy traced; writes the annotated video to `video` when given."""
    traced = policy if isinstance(policy, TracingPolicy) else TracingPolicy(policy)
    base = env.unwrapped
    result = run_episode(traced, env, seed, record=video is not None)
    view = EpisodeView(
        task=result.task,
        seed=seed,
        goal=base.task.goal,
        max_steps=base.task.max_steps,
        rewards=list(result.rewards),
        score=result.score,
        success=result.success,
        camera=base.video_camera(),
    )
    rec = RecordedEpisode(result, list(traced.steps), view)
    if video is not None:
        frames = annotate_episode(result.frames, base.frame_meta, view, rec.steps)
        rec.video = write_video(frames, video, fps=fps)
        result.frames = []  # the raw frames are in the video now; do not keep them in memory
    return rec
