"""lohovla-fit-colors: fit a checkpoint's colour detector on simulated training scenes and save it back.

lohovla-fit-colors checkpoint=runs/lohovla-tiny/final            # in place
lohovla-fit-colors checkpoint=runs/x/final out=runs/x-grounded    # into a copy
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from lohovla.cli.common import CONFIG_PATH, to_dict


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="fit_colors")
def main(cfg: DictConfig) -> None:
    from lohovla.training.color_fit import ColorFitSettings, fit_colors

    values = to_dict(cfg)
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    report = fit_colors(ColorFitSettings(**values))
    val = report["val"]
    print(
        f"colour detector on {val['scenes']} val scenes: {100 * val['missed_rate']:.2f}% of present colours ruled "
        f"out, {100 * val['ruled_out_rate']:.1f}% of absent ones ruled out"
    )


if __name__ == "__main__":
    main()
