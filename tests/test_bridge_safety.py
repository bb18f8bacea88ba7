"""Safety layer and watchdog: unsafe commands never reach the robot; silence stops it."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from lohovla.bridge.safety import SafeRobot, Workspace
from lohovla.bridge.testing import FakeRobot
from lohovla.bridge.watchdog import Watchdog

Q = np.array([0.0, 0.0, 0.0, 1.0])
GOOD = (np.array([0.5, 0.0, 0.02]), Q)


@pytest.mark.parametrize(
    ("pose", "reason"),
    [
        ((np.array([np.nan, 0.0, 0.02]), Q), "NaN or inf"),
        ((np.array([0.5, np.inf, 0.02]), Q), "NaN or inf"),
        ((np.array([0.5, 0.0, 0.02]), np.array([0.0, np.nan, 0.0, 1.0])), "NaN or inf"),
        ((np.array([0.1, 0.0, 0.02]), Q), "x=0.1000 outside"),
        ((np.array([0.5, 0.7, 0.02]), Q), "y=0.7000 outside"),
        ((np.array([0.5, 0.0, -0.01]), Q), "below the table"),
        ((np.array([0.5, 0.0, 0.5]), Q), "above the reachable"),
        ((np.array([0.5, 0.0, 0.02]), np.zeros(4)), "quaternion norm"),
        ((np.array([0.5, 0.0]), Q), "position needs 3"),
        ((None, Q), "position needs 3"),
        ("junk", "not a pose"),
    ],
)
def test_workspace_refuses(pose: object, reason: str) -> None:
    reasons = Workspace().check("pick", pose)
    assert reasons and reason in " ".join(reasons) and reasons[0].startswith("pick: ")


def test_workspace_accepts_the_edges_and_table_level() -> None:
    ws = Workspace()
    for xyz in ([0.25, -0.5, 0.0], [0.75, 0.5, ws.max_z], [0.5, 0.0, 0.1]):
        assert ws.check("place", (np.array(xyz), np.array([0.0, 0.0, 0.3, 0.95]))) == []


def test_unsafe_command_never_reaches_the_robot_and_is_reported() -> None:
    robot = FakeRobot(done_after=10)
    safe = SafeRobot(robot)
    result = safe.execute((np.array([0.5, 0.0, -0.2]), Q), GOOD)
    assert result.refused and not result.ok and robot.executed == []
    assert "below the table" in result.reasons[0]
    assert safe.refusals[0].step == 1 and safe.refusals[0].pick[:3] == [0.5, 0.0, -0.2]
    result = safe.execute(GOOD, GOOD)
    assert result.ok and len(robot.executed) == 1


def test_what_was_checked_is_what_is_sent() -> None:
    robot = FakeRobot(done_after=10)
    xyz = np.array([0.5, 0.0, 0.02])
    SafeRobot(robot).execute((xyz, Q), GOOD)
    xyz[2] = -5.0  # the caller mutating its array afterwards cannot change the command
    assert robot.executed[0][0][0][2] == 0.02


def test_watchdog_fires_once_per_silence_only_while_armed() -> None:
    fired = threading.Event()
    calls: list[float] = []

    def expire() -> None:
        calls.append(time.monotonic())
        fired.set()

    with Watchdog(0.1, expire) as dog:
        time.sleep(0.25)
        assert calls == []  # not armed: silence is fine
        start = time.monotonic()
        dog.arm()
        assert fired.wait(2.0)
        assert 0.09 <= calls[0] - start < 1.0
        time.sleep(0.25)
        assert len(calls) == 1 and dog.tripped  # one stop per silence
        dog.feed()
        assert not dog.tripped
        fired.clear()
        assert fired.wait(2.0) and len(calls) == 2  # still armed: a new silence trips again
        dog.feed()
        dog.disarm()
        time.sleep(0.25)
        assert len(calls) == 2 and dog.trips == 2


def test_watchdog_feeding_keeps_it_quiet() -> None:
    calls: list[int] = []
    with Watchdog(0.15, lambda: calls.append(1)) as dog:
        dog.arm()
        for _ in range(10):
            time.sleep(0.03)
            dog.feed()
    assert calls == []


@pytest.mark.parametrize(
    ("quat", "ok"),
    [
        (np.array([0.0, 0.0, 0.0, 1.5]), True),  # the tolerance's edges are allowed (the driver normalises)
        (np.array([0.0, 0.0, 0.0, 0.5]), True),
        (np.array([0.0, 0.0, 0.0, 1.51]), False),
        (np.array([0.0, 0.0, 0.0, 0.49]), False),
        (np.array([0.0, 0.0, 0.6, 0.8]), True),
    ],
)
def test_quaternion_norm_tolerance_edges(quat: np.ndarray, ok: bool) -> None:
    reasons = Workspace().check("place", (np.array([0.5, 0.0, 0.02]), quat))
    assert (reasons == []) is ok
    if not ok:
        assert reasons == [f"place: quaternion norm {np.linalg.norm(quat):.3f} is not a rotation"]


@pytest.mark.parametrize(
    "xyz",
    [[0.2499, 0.0, 0.02], [0.7501, 0.0, 0.02], [0.5, -0.5001, 0.02], [0.5, 0.5001, 0.02], [0.5, 0.0, -0.0001]],
)
def test_just_outside_the_box_is_refused(xyz: list[float]) -> None:
    ws = Workspace()
    assert len(ws.check("pick", (np.array(xyz), Q))) == 1
    assert len(ws.check("pick", (np.array([xyz[0], xyz[1], ws.max_z + 1e-4]), Q))) >= 1


def test_every_reason_is_listed_with_its_numbers() -> None:
    reasons = Workspace().check("pick", (np.array([0.1, 0.9, 0.5]), np.zeros(4)))
    assert reasons == [
        "pick: x=0.1000 outside the workspace [0.25, 0.75]",
        "pick: y=0.9000 outside the workspace [-0.5, 0.5]",
        f"pick: z=0.5000 above the reachable {Workspace().max_z}",
        "pick: quaternion norm 0.000 is not a rotation",
    ]
    assert Workspace().check("place", (np.array([0.5, 0.0, -0.3]), Q)) == ["place: z=-0.3000 below the table at 0.0"]
    assert Workspace().check("pick", (np.array([0.5, 0.0, 0.02]), np.array([0.0, 0.0, 1.0]))) == [
        "pick: position needs 3 numbers and quaternion 4, got (3,) and (3,)"
    ]


def test_a_custom_workspace_is_what_is_checked() -> None:
    ws = Workspace(x=(0.0, 0.1), y=(0.0, 0.1), table_z=0.05, max_z=0.06, quat_tolerance=0.01)
    assert ws.check("pick", (np.array([0.05, 0.05, 0.055]), Q)) == []
    assert len(ws.check("pick", (np.array([0.05, 0.05, 0.04]), Q))) == 1
    assert len(ws.check("pick", (np.array([0.05, 0.05, 0.055]), np.array([0.0, 0.0, 0.0, 1.02])))) == 1


def test_refusals_keep_both_poses_and_every_reason() -> None:
    robot = FakeRobot(done_after=10)
    safe = SafeRobot(robot)
    assert safe.execute(GOOD, GOOD).ok
    result = safe.execute((np.array([0.5, 0.0, -0.2]), Q), (np.array([0.9, 0.0, 0.02]), Q))
    assert result.refused and not result.ok and len(result.reasons) == 2
    assert result.reasons[0].startswith("pick: ") and result.reasons[1].startswith("place: ")
    (refusal,) = safe.refusals
    assert refusal.step == 2 and safe.commands == 2 and refusal.reasons == result.reasons
    assert refusal.pick == [0.5, 0.0, -0.2, 0.0, 0.0, 0.0, 1.0] and refusal.place == [
        0.9,
        0.0,
        0.02,
        0.0,
        0.0,
        0.0,
        1.0,
    ]
    junk = safe.execute("junk", GOOD)
    assert junk.refused and safe.refusals[-1].pick == [] and "not a pose" in junk.reasons[0]
    assert len(robot.executed) == 1


def test_safe_robot_passes_observe_stop_and_home_through() -> None:
    robot = FakeRobot(done_after=10)
    safe = SafeRobot(robot)
    assert safe.observe().info == {"executed": 0}
    safe.stop()
    safe.home()
    assert robot.stops == 1 and robot.homes == 1


@pytest.mark.parametrize(
    "pose",
    [
        (np.array([0.5, 0.0, 0.02, 1.0]), Q),  # a 4th "coordinate"
        (np.array([[0.5], [0.0], [0.02]]), Q),  # a column, not 3 numbers
        (np.array([0.5, 0.0, 0.02]), np.array([0.0, 0.0, 0.0, 1.0, 0.0])),
    ],
)
def test_a_pose_of_the_wrong_size_is_refused_whatever_the_extra(pose: tuple) -> None:
    assert "position needs 3 numbers and quaternion 4" in Workspace().check("pick", pose)[0]


def test_the_workspace_limits_cannot_be_changed_under_the_safety_layer() -> None:
    import dataclasses

    ws = Workspace()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ws.max_z = 10.0  # type: ignore[misc]
