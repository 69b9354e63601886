"""`aidplan stress` (DESIGN.md §9): sample possible futures, plan each, report how robust it is.

sampling.py  the disruptions file and the sampling law (offers fail and slip, corridors close)
evaluate.py  one sample: the base plan as it stands in that future, and the best re-plan
report.py    the distribution over samples: score percentiles, on-time probabilities, binding
"""
