"""lohovla-compare: two results.json files side by side (before/after a change): compare.md and compare.png."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="compare")
def main(cfg: DictConfig) -> None:
    from lohovla.evaluation.compare import compare_markdown, load_results, write_comparison

    if not cfg.before or not cfg.after:
        raise SystemExit("give both files: lohovla-compare before=PATH/results.json after=PATH/results.json")
    names = (str(cfg.names[0]), str(cfg.names[1]))
    try:
        paths = write_comparison(cfg.before, cfg.after, cfg.out, names)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"lohovla-compare: {exc}") from None
    print(compare_markdown(load_results(cfg.before), load_results(cfg.after), names))
    print("wrote " + ", ".join(str(p) for p in paths.values()))


if __name__ == "__main__":
    main()
