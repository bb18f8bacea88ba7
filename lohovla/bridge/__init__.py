"""The ZeroMQ bridge between a policy server and robots (protocol: docs/bridge.md).

Robot side, numpy + pyzmq + msgpack only: wire, protocol, client, robot, safety, watchdog, runner, curve.
Server side: service, server (and sim_robot, the simulator behind the Robot interface). Nothing is
imported here, so importing a robot-side module never pulls in torch or pybullet.
"""
