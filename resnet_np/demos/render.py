"""Findings -> words: one render(findings, lang) for every demo.

Each demo's words module (resnet_np/demos/*_text.py) holds TEMPLATES = {language: {(key, verdict): format string}}.
A template has no branching: the finding's verdict picked it, its evidence fills it. An empty template says
nothing (a finding that only a figure or the CSV needs). Every language has a template for every (key, verdict)
with the same placeholders (tests/test_demos_findings.py), so a reading says the same in every language.
"""

import importlib
import string

from ..language import languages

TEXT_MODULES = ("gradient_flow_text", "training_dynamics_text", "degradation_text", "layer_responses_text",
                "lesion_text", "bn_variance_text", "shattered_gradients_text", "loss_landscape_text",
                "bottleneck_cost_text", "feature_maps_text")  # lecture order


def all_templates():
    """{language: {(key, verdict): template}} of every demo."""
    merged = {}
    for name in TEXT_MODULES:
        module = importlib.import_module(f"{__package__}.{name}")
        for language, table in module.TEMPLATES.items():
            overlap = set(merged.setdefault(language, {})) & set(table)
            if overlap:
                raise ValueError(f"{name}: (key, verdict) {sorted(overlap)[0]} is already another demo's")
            merged[language].update(table)
    return merged


def placeholders(template):
    """The names a template fills in: {"model", "ratio"} for "{model}: {ratio:.3g}"."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def render(findings, lang):
    """The reading in language `lang`: one line per finding (findings with an empty template say nothing)."""
    (language,) = languages(lang)
    table = all_templates()[language]
    lines = []
    for finding in findings:
        template = table.get((finding.key, finding.verdict))
        if template is None:
            raise KeyError(f"no {language} template for finding {finding.key} with verdict {finding.verdict}")
        if template:
            lines.append(template.format(**finding.evidence))
    return "\n".join(lines)
