"""Evaluation over tasks and seeds, in parallel worker processes, with per-task aggregates."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from lohovla.envs.registration import resolve_tasks
from lohovla.envs.spec import split_seed
from lohovla.envs.tasks.registry import get_task_class
from lohovla.evaluation.provenance import provenance


@dataclass
class EvalResult:
    per_task: dict[str, dict[str, Any]]
    episodes: list[dict[str, Any]]
    config: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"config": self.config, "per_task": self.per_task, "episodes": self.episodes}


class _Runner:
    """Holds one policy and one env per task; lives in the main process or in each worker."""

    def __init__(
        self, policy: Any, policy_kwargs: dict, split: str, mode: str, env_kwargs: dict, video: str | None = None
    ) -> None:
        if isinstance(policy, str):
            from lohovla.policy_loading import load_policy

            policy = load_policy(policy, **policy_kwargs)
        self.policy, self.split, self.mode, self.env_kwargs = policy, split, mode, env_kwargs
        self.envs: dict[str, Any] = {}
        self.video = video  # "{task}-{seed}.mp4"-style path template: this runner's recorded episodes go there

    def run(self, task: str, seed: int, record: bool = False) -> dict[str, Any]:
        from lohovla.envs.registration import make_env
        from lohovla.rollout import run_episode

        if task not in self.envs:
            self.envs[task] = make_env(task, split=self.split, mode=self.mode, **self.env_kwargs)
        try:
            if record and self.video:
                from lohovla.visualize.record import run_recorded

                ep = run_recorded(self.policy, self.envs[task], seed, self.video.format(task=task, seed=seed)).result
            else:
                ep = run_episode(self.policy, self.envs[task], seed)
        except Exception as exc:  # one episode's bug must not cost the other episodes' results
            return crashed_episode(task, seed, exc)
        return {
            "task": task,
            "seed": seed,
            "score": ep.score,
            "success": ep.success,
            "steps": ep.steps,
            "subtasks": ep.subtasks,
            "replans": ep.replans,
            "plan_correct": ep.plan_correct,
            "decision_ms": ep.decision_ms,
            "errors": ep.errors,
            "interventions": ep.interventions,
            "plan_ms": [t.get("plan_ms", 0.0) for t in ep.timings],
            "action_ms": [t.get("action_ms", 0.0) for t in ep.timings],
        }


def crashed_episode(task: str, seed: int, exc: BaseException) -> dict[str, Any]:
    """The record of an episode whose policy (or env) raised: failed, no steps, the error kept to report."""
    return {
        "task": task,
        "seed": seed,
        "score": 0.0,
        "success": False,
        "steps": 0,
        "subtasks": [],
        "replans": 0,
        "plan_correct": [],
        "decision_ms": [],
        "errors": [],
        "interventions": [],
        "plan_ms": [],
        "action_ms": [],
        "crashed": f"{type(exc).__name__}: {exc}",
    }


_WORKER: _Runner | None = None


def _init_worker(*args: Any) -> None:
    global _WORKER
    _WORKER = _Runner(*args)
    if "torch" in sys.modules:  # a learned policy: one core per worker process
        sys.modules["torch"].set_num_threads(1)


def _run_job(job: tuple[str, int, bool]) -> dict[str, Any]:
    assert _WORKER is not None
    return _WORKER.run(*job)


def _aggregate(task: str, eps: list[dict[str, Any]]) -> dict[str, Any]:
    scores = np.array([e["score"] for e in eps])
    decisions = np.concatenate([np.asarray(e["decision_ms"], float) for e in eps]) if eps else np.zeros(0)
    plans = [p for e in eps for p in e["plan_ms"] if p > 0]  # steps that kept their sub-task plan 0 ms
    correct = [c for e in eps for c in e["plan_correct"]]
    return {
        "task": task,
        "letter": get_task_class(task).letter,
        "seen": get_task_class(task).seen,
        "episodes": len(eps),
        "mean_score": float(scores.mean()) if len(eps) else 0.0,
        "success_rate": float(100 * np.mean([e["success"] for e in eps])) if eps else 0.0,
        "mean_steps": float(np.mean([e["steps"] for e in eps])) if eps else 0.0,
        "planning_accuracy": float(100 * np.mean(correct)) if correct else None,
        "plans_per_episode": float(np.mean([e["replans"] for e in eps])) if eps else 0.0,
        "decision_ms_median": float(np.median(decisions)) if decisions.size else None,
        "decision_ms_p95": float(np.percentile(decisions, 95)) if decisions.size else None,
        "plan_ms_median": float(np.median(plans)) if plans else None,
        "invalid_actions": int(sum(len(e["errors"]) for e in eps)),
        "crashed": int(sum(1 for e in eps if e.get("crashed"))),
        "interventions": intervention_counts(eps),
    }


def intervention_counts(eps: list[dict[str, Any]]) -> dict[str, int]:
    """Steps on which each grounding check changed the sub-task or the action (Step.interventions)."""
    counts: dict[str, int] = {}
    for e in eps:
        for names in e.get("interventions", []):
            for name in names:
                counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items()))


def evaluate(
    policy: Any,
    tasks: Any = None,
    split: str = "test",
    episodes: int = 200,
    workers: int = 1,
    mode: str = "fast",
    first_index: int = 0,
    env_kwargs: dict | None = None,
    policy_kwargs: dict | None = None,
    progress: bool = True,
    video: str | None = None,
    video_episodes: int = 1,
) -> EvalResult:
    """Run `episodes` seeds of `split` (from its first_index-th seed) for each task and aggregate.

    `policy` is a Policy object or a spec for `load_policy` (cheaper to hand to worker processes). An episode whose
    policy raises counts as failed and keeps its error (`crashed`); the others run on (`crashed_episodes` lists
    them, and lohovla-eval exits non-zero after writing its report). With `video` (a path template with
    {task} and {seed}), the first `video_episodes` episodes of each task are recorded as annotated videos.
    """
    if episodes < 1:
        raise ValueError("episodes must be >= 1")
    if video:
        from lohovla.visualize.writer import check_video_path

        check_video_path(video.format(task="task", seed=0))
    task_ids = resolve_tasks(tasks)
    origin = provenance(policy, policy_kwargs)  # before the run: the code and weights the episodes ran with
    jobs = [
        (t, split_seed(split, first_index + i), bool(video) and i < video_episodes)
        for t in task_ids
        for i in range(episodes)
    ]
    args = (policy, policy_kwargs or {}, split, mode, env_kwargs or {}, video)
    bar = tqdm(total=len(jobs), desc="eval", unit="ep", disable=not progress)
    results: list[dict[str, Any]] = []
    if workers <= 1:
        runner = _Runner(*args)
        for job in jobs:
            results.append(runner.run(*job))
            bar.update()
    else:
        ctx = mp.get_context("spawn")
        with cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=args) as pool:
            for res in pool.map(_run_job, jobs, chunksize=1):
                results.append(res)
                bar.update()
    bar.close()
    per_task = {t: _aggregate(t, [r for r in results if r["task"] == t]) for t in task_ids}
    name = policy if isinstance(policy, str) else getattr(policy, "name", type(policy).__name__)
    config = {
        "policy": name,
        "policy_kwargs": policy_kwargs or {},
        "split": split,
        "episodes": episodes,
        "mode": mode,
        "first_index": first_index,
        "tasks": task_ids,
        "workers": workers,
        "env": env_kwargs or {},
        "provenance": origin,
    }
    return EvalResult(per_task=per_task, episodes=results, config=config)


def crashed_episodes(result: EvalResult) -> list[dict[str, Any]]:
    """The episodes whose policy raised, with their errors."""
    return [e for e in result.episodes if e.get("crashed")]
