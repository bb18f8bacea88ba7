"""lohovla-fit-colors: fit a checkpoint's colour detector on simulated training scenes and save it back.

lohovla-fit-colors checkpoint=runs/lohovla-tiny/final            # in place
lohovla-fit-colors checkpoint=runs/x/final out=runs/x-grounded    # into a copy
"""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli import checks
from lohovla.cli.app import Help, command
from lohovla.cli.common import to_dict

HELP = Help(
    summary="fit a checkpoint's per-pixel colour detector on simulated training scenes; save it with the checkpoint.",
    options=[
        ("checkpoint=DIR", "the checkpoint to fit (a shipped one is copied, never overwritten in place)"),
        ("out=DIR", "write the fitted checkpoint here instead of in place"),
    ],
    examples=[
        "lohovla-fit-colors checkpoint=runs/lohovla-tiny/final",
        "lohovla-fit-colors checkpoint=runs/x/final out=runs/x-grounded",
    ],
)


@command("lohovla-fit-colors", "fit_colors", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-fit-colors: fit and save the colour detector."""
    checks.policy_spec(str(cfg.checkpoint))
    from lohovla.training.color_fit import ColorFitSettings, fit_colors

    values = to_dict(cfg)
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    values["tasks"] = tuple(checks.task_selection(list(values["tasks"])))  # groups (e.g. `training`) expand here
    report = fit_colors(ColorFitSettings(**values))
    val = report["val"]
    print(
        f"colour detector on {val['scenes']} val scenes: {100 * val['missed_rate']:.2f}% of present colours ruled "
        f"out, {100 * val['ruled_out_rate']:.1f}% of absent ones ruled out"
    )


if __name__ == "__main__":
    main()
