"""junit.xml: the gate as test cases, for CI systems that display JUnit results.

One test case per harm category fails exactly when that category regressed and can fail
the gate; a regression in a non-gating category is reported as skipped, so it shows up
without turning the build red. False refusals and the error budget get one case each.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from safety_regression.gate.result import (
    CapabilityResult,
    CategoryResult,
    CategoryStatus,
    ErrorBudget,
    FalseRefusal,
    GateResult,
)
from safety_regression.report import formatting as fmt
from safety_regression.report.redact import plain_text

SUITE_NAME = "safety-regression"
REFUSAL_CLASS = "safety-regression.refusal"
FALSE_REFUSAL_CLASS = "safety-regression.false-refusal"
ERRORS_CLASS = "safety-regression.errors"
CAPABILITY_CLASS = "safety-regression.capability"


def render_junit(result: GateResult) -> str:
    cases = [_category_case(category, result.holm) for category in result.categories]
    cases.append(_false_refusal_case(result.false_refusal))
    cases += [_capability_case(family) for family in result.capability]
    cases.append(_error_budget_case(result.errors))

    suites = ET.Element("testsuites", name=SUITE_NAME)
    suite = ET.SubElement(suites, "testsuite", name=SUITE_NAME)
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("verdict", result.verdict.value),
        ("recommendation", result.recommendation.value),
        ("base_model", result.base_model),
        ("finetuned_model", result.finetuned_model),
        ("judge", result.judge),
        ("test", result.test.value),
        ("alpha", f"{result.alpha:g}"),
    ):
        ET.SubElement(properties, "property", name=name, value=plain_text(value))
    suite.extend(cases)

    counts = {
        "tests": len(cases),
        "failures": sum(1 for case in cases if case.find("failure") is not None),
        "errors": sum(1 for case in cases if case.find("error") is not None),
        "skipped": sum(1 for case in cases if case.find("skipped") is not None),
    }
    for element in (suites, suite):
        for name, count in counts.items():
            element.set(name, str(count))
        element.set("time", "0")

    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _testcase(classname: str, name: str) -> ET.Element:
    return ET.Element("testcase", classname=classname, name=plain_text(name), time="0")


def _category_case(category: CategoryResult, holm: bool) -> ET.Element:
    case = _testcase(REFUSAL_CLASS, category.name)
    p_label = "Holm-adjusted p" if holm else "p"
    if not category.n:
        message = (
            f"not measured: all {fmt.count(category.unanswered, 'case')} failed or went unjudged "
            f"({fmt.count(category.errors, 'failed request')}, both models)"
        )
        ET.SubElement(case, "skipped", message=message)
        ET.SubElement(case, "system-out").text = message
        return case
    summary = (
        f"refusal rate {fmt.percent(category.base_refusal_rate)} -> "
        f"{fmt.percent(category.finetuned_refusal_rate)} ({fmt.points(category.delta)}), "
        f"{fmt.p_clause(category.p_adjusted, p_label)}, n = {category.n}"
    )
    if category.regression and category.gating:
        failure = ET.SubElement(case, "failure", message=summary, type="SafetyRegression")
        failure.text = f"Refusal rate regressed in {plain_text(category.name)}: {summary}"
    elif category.regression:
        ET.SubElement(case, "skipped", message=f"non-gating category regressed: {summary}")
    elif category.status is CategoryStatus.UNPROVEN and category.gating:
        ET.SubElement(case, "skipped", message=f"unproven: {plain_text(category.status_reason or '')}")
    notes = [
        summary,
        f"drop upper bound {fmt.size_points(category.drop_upper_bound)}, status {category.status.value}",
    ]
    if category.errors:
        notes.append(f"{fmt.count(category.errors, 'request')} failed and were excluded")
    if category.blocked:
        notes.append(
            f"{fmt.count(category.blocked, 'response')} blocked by a content filter: refusals in the rates, "
            "compliances when deciding a pass"
        )
    ET.SubElement(case, "system-out").text = "\n".join(notes)
    return case


def _capability_case(family: CapabilityResult) -> ET.Element:
    case = _testcase(CAPABILITY_CLASS, family.name)
    accuracies = family.accuracies()
    if accuracies is None:
        unproven = ", so this gating check is unproven" if family.gating else ""
        message = f"not measured: no case has a usable result from both models{unproven}"
        ET.SubElement(case, "skipped", message=message)
        return case
    base, finetuned, delta = accuracies
    summary = (
        f"accuracy {fmt.percent(base)} -> {fmt.percent(finetuned)} "
        f"({fmt.points(delta)}), {fmt.p_clause(family.p_value)}, n = {family.n}"
    )
    failure = f"Capability regressed in {plain_text(family.name)}: {summary}"
    if family.unproven_reason:  # gating, and errors could hide a drop
        ET.SubElement(case, "skipped", message=f"unproven: {plain_text(family.unproven_reason)}")
    return _outcome(case, summary, family.regression, family.gating, "CapabilityRegression", failure)


def _false_refusal_case(false_refusal: FalseRefusal) -> ET.Element:
    case = _testcase(FALSE_REFUSAL_CLASS, "overall")
    overall = false_refusal.overall
    if false_refusal.unmeasured is not None:
        message = f"false refusals not measured by this judge: {plain_text(false_refusal.unmeasured)}"
        ET.SubElement(case, "skipped", message=message)
        return case
    if overall is None and false_refusal.categories:
        ET.SubElement(
            case,
            "skipped",
            message="false refusals not measured: every benign (expect: comply) case failed "
            "or went unjudged for at least one model",
        )
        return case
    if overall is None:
        ET.SubElement(case, "skipped", message="no expect: comply cases; false refusals not measured")
        return case
    summary = (
        f"false-refusal rate {fmt.percent(overall.base_rate)} -> "
        f"{fmt.percent(overall.finetuned_rate)} ({fmt.points(overall.delta)}), "
        f"{fmt.p_clause(overall.p_value)}, n = {overall.n}"
    )
    failure = f"Benign prompts are refused more often: {summary}"
    if false_refusal.gating and overall.unproven_reason:  # errors could hide a rise
        ET.SubElement(case, "skipped", message=f"unproven: {plain_text(overall.unproven_reason)}")
    return _outcome(case, summary, overall.regression, false_refusal.gating, "FalseRefusalIncrease", failure)


def _outcome(
    case: ET.Element, summary: str, regression: bool, gating: bool, kind: str, failure: str
) -> ET.Element:
    """A gating regression fails the test case, an informational one skips it."""
    if regression and gating:
        ET.SubElement(case, "failure", message=summary, type=kind).text = failure
    elif regression:
        ET.SubElement(case, "skipped", message=f"informational (not gating): {summary}")
    ET.SubElement(case, "system-out").text = summary
    return case


def _error_budget_case(errors: ErrorBudget) -> ET.Element:
    case = _testcase(ERRORS_CLASS, "error-budget")
    summary = (
        f"errors: {fmt.error_counts(errors)} of "
        f"{errors.requests} requests per model ({fmt.percent(errors.rate)}, "
        f"budget {fmt.percent(errors.budget)})"
    )
    if errors.exceeded:
        # An <error>, not a <failure>: the run could not measure, the model did not regress.
        error = ET.SubElement(case, "error", message=summary, type="ErrorBudgetExceeded")
        error.text = "\n".join([summary, *(plain_text(m) for m in errors.messages)])
    ET.SubElement(case, "system-out").text = summary
    return case
