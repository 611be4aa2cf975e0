from decimal import Decimal

from shequ.civil.ranking import rank


def test_normalisation_against_a_hand_computed_example() -> None:
    # Expert 1 scores A=80, B=90 (mean 85, sd 5): z = −1, +1.
    # Expert 2 scores A=60, B=40 (mean 50, sd 10): z = +1, −1.
    # Expert 3 scores A=70 only: one score, z = 0.
    # A: raw mean (80+60+70)/3 = 70, z mean (−1+1+0)/3 = 0; B: raw 65, z 0 → tie on z,
    # A wins on the raw mean.
    rows = rank(
        [
            (1, 1, Decimal(80)),
            (2, 1, Decimal(90)),
            (1, 2, Decimal(60)),
            (2, 2, Decimal(40)),
            (1, 3, Decimal(70)),
        ]
    )
    assert [(r.application_id, r.raw_mean, r.z_mean, r.rank) for r in rows] == [
        (1, 70.0, 0.0, 1),
        (2, 65.0, 0.0, 2),
    ]


def test_a_harsh_expert_does_not_sink_a_project() -> None:
    # The harsh expert gives C 50 while giving D 30: C still ranks above D.
    rows = rank([(3, 1, 50), (4, 1, 30), (3, 2, 85), (4, 2, 90)])
    assert rows[0].application_id in (3, 4)
    assert {r.application_id for r in rows} == {3, 4}
