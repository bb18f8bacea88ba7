"""The LoHoRavens simulator: PyBullet tabletop world, suction pick-and-place, 13+ tasks with oracles.

Imports numpy, pybullet and gymnasium only (never torch).
"""
