"""The demo questionnaire (高品质和谐宜居生活社区万人问卷调查) and synthetic answers.

The questions are modelled on the city's published survey themes; every answer is
synthetic, drawn from distributions chosen so the demo index lands in the nineties.
"""

from typing import Any

import numpy as np

from shequ.surveys.definition import (
    ChoiceDef,
    ItemDef,
    ListDef,
    QuestionDef,
    SectionDef,
    SurveyDefinition,
)

DEMO_TITLE = "高品质和谐宜居生活社区万人问卷调查"
DEMO_SERIES = "wanren-2018"

SATISFACTION = ListDef(
    "satisfaction",
    [
        ChoiceDef("1", "很不满意", "Very dissatisfied"),
        ChoiceDef("2", "不太满意", "Dissatisfied"),
        ChoiceDef("3", "一般", "Neutral"),
        ChoiceDef("4", "比较满意", "Satisfied"),
        ChoiceDef("5", "非常满意", "Very satisfied"),
    ],
)
YES_NO = ListDef("yes_no", [ChoiceDef("yes", "是", "Yes"), ChoiceDef("no", "否", "No")])
IMPROVE = ListDef(
    "improve",
    [
        ChoiceDef("parking", "停车", "Parking"),
        ChoiceDef("elderly", "养老服务", "Care for the elderly"),
        ChoiceDef("green", "绿化", "Greenery"),
        ChoiceDef("safety", "治安", "Safety"),
        ChoiceDef("culture", "文化活动", "Cultural activities"),
    ],
)
MATRIX_ITEMS = [
    ItemDef("environment", "社区环境", "Community environment"),
    ItemDef("services", "社区服务", "Community services"),
    ItemDef("safety", "社区治安", "Safety"),
    ItemDef("culture", "文化活动", "Cultural life"),
    ItemDef("governance", "居民参与和议事", "Residents' say in decisions"),
]


def demo_definition() -> SurveyDefinition:
    return SurveyDefinition(
        lists=[IMPROVE, SATISFACTION, YES_NO],
        sections=[
            SectionDef(
                "about",
                "基本情况",
                "About you",
                [
                    QuestionDef(
                        "years_here",
                        "integer",
                        "您在本社区居住了多少年？",
                        "How many years have you lived in this community?",
                        required=True,
                        constraint=". >= 0 and . <= 100",
                    ),
                    QuestionDef(
                        "visited_centre",
                        "single",
                        "过去一年您去过社区党群服务中心吗？",
                        "Have you visited the community service centre in the past year?",
                        required=True,
                        list_name="yes_no",
                    ),
                    QuestionDef(
                        "centre_rating",
                        "likert5",
                        "您对党群服务中心的服务满意吗？",
                        "How satisfied are you with the service centre?",
                        required=True,
                        relevant="${visited_centre} = 'yes'",
                        list_name="satisfaction",
                        score_weight=1.0,
                    ),
                    QuestionDef(
                        "last_visit",
                        "date",
                        "最近一次去服务中心是哪天？",
                        "When did you last visit the centre?",
                        relevant="${visited_centre} = 'yes'",
                        constraint=". <= today()",
                    ),
                    QuestionDef(
                        "walk_minutes",
                        "decimal",
                        "步行到最近的社区综合体需要几分钟？",
                        "How many minutes is the walk to the nearest community complex?",
                        constraint=". >= 0 and . <= 180",
                    ),
                ],
            ),
            SectionDef(
                "satisfaction",
                "满意度",
                "Satisfaction",
                [
                    QuestionDef(
                        "aspects",
                        "matrix",
                        "您对社区以下方面的满意程度",
                        "How satisfied are you with these aspects of your community?",
                        required=True,
                        list_name="satisfaction",
                        items=list(MATRIX_ITEMS),
                        score_weight=5.0,
                    ),
                    QuestionDef(
                        "overall",
                        "likert5",
                        "总体而言，您对社区发展治理工作满意吗？",
                        "Overall, are you satisfied with community development and governance?",
                        required=True,
                        list_name="satisfaction",
                        score_weight=3.0,
                    ),
                    QuestionDef(
                        "recommend",
                        "rating10",
                        "您向亲友推荐住在本社区的可能性（0–10）",
                        "How likely are you to recommend living here (0–10)?",
                        list_name="",
                        score_weight=1.0,
                    ),
                    QuestionDef(
                        "improve",
                        "multiple",
                        "您最希望改进哪些方面？",
                        "What should improve most?",
                        list_name="improve",
                    ),
                    QuestionDef(
                        "comment",
                        "text",
                        "其他意见和建议",
                        "Other comments",
                        constraint="string-length(.) <= 500",
                    ),
                ],
            ),
        ],
    )


def synthetic_answers(rng: np.random.Generator, district_effect: float) -> dict[str, Any]:
    """One respondent's answers; ``district_effect`` shifts satisfaction a little."""
    mood = float(np.clip(rng.normal(4.85 + district_effect, 0.3), 1, 5))

    def likert() -> str:
        return str(int(np.clip(round(rng.normal(mood, 0.45)), 1, 5)))

    visited = rng.random() < 0.7
    answers: dict[str, Any] = {
        "years_here": int(rng.integers(0, 40)),
        "visited_centre": "yes" if visited else "no",
        "aspects": {item.name: likert() for item in MATRIX_ITEMS},
        "overall": likert(),
        "recommend": int(np.clip(round(rng.normal(mood * 2, 1.0)), 0, 10)),
        "walk_minutes": round(float(rng.gamma(3.0, 4.0)), 1),
        "improve": sorted(
            str(name)
            for name in rng.choice(
                [c.name for c in IMPROVE.choices], size=int(rng.integers(0, 3)), replace=False
            )
        ),
    }
    if visited:
        answers["centre_rating"] = likert()
    return answers
