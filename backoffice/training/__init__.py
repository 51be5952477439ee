"""Training: an exercise library, classes, graded attempts, exam / practice / rehearsal modes.

A service above the domains (it drives worlds, the scenario runner and the operation catalogue);
the core and the domains never import it. Dispatch consults it through a guard it registers
(:mod:`.guard`), so the rules of an attempt world hold through every door.

- :mod:`.exercise`  — reading and strictly validating exercise files (``seed_data/exercises/``)
- :mod:`.matching`  — matching checkpoints and forbidden moves against the trainee's operations
- :mod:`.grader`    — grading an attempt: a pure function of the exercise and the attempt
- :mod:`.attempts`  — prepared worlds, starting, hints, running answers, submitting
- :mod:`.classes`   — classes, members, assignments and the class board
- :mod:`.guard`     — what an attempt world refuses (exam tools, officers not played, read-only)
- :mod:`.cli`       — ``backoffice exercise …`` and ``backoffice class …``
"""
