"""lohovla-compare: two results.json files side by side (before/after a change): compare.md and compare.png."""

from __future__ import annotations

from omegaconf import DictConfig

from lohovla.cli.app import Help, UsageError, command

HELP = Help(
    summary="draw two lohovla-eval results side by side (before/after a change), with 95% intervals on the "
    "per-task difference.",
    options=[
        ("before=PATH", "the first results.json"),
        ("after=PATH", "the second results.json"),
        ("names=[A,B]", "labels of the two runs"),
        ("out=DIR", "where compare.md and compare.png go"),
    ],
    examples=["lohovla-compare before=outputs/eval-old/results.json after=outputs/eval/results.json"],
)


@command("lohovla-compare", "compare", HELP)
def main(cfg: DictConfig) -> None:
    """lohovla-compare: compare.md and compare.png."""
    from lohovla.evaluation.compare import compare_markdown, load_results, write_comparison

    if not cfg.before or not cfg.after:
        raise UsageError("give both files: lohovla-compare before=PATH/results.json after=PATH/results.json")
    names = (str(cfg.names[0]), str(cfg.names[1]))
    try:
        paths = write_comparison(cfg.before, cfg.after, cfg.out, names)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(compare_markdown(load_results(cfg.before), load_results(cfg.after), names))
    print("wrote " + ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
