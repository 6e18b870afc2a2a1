"""Print report.json's JSON Schema; the committed report.schema.json is this output.

python -m safety_regression.report > src/safety_regression/report/report.schema.json
"""

from safety_regression.report.json_report import report_json_schema_text


def main() -> None:
    print(report_json_schema_text(), end="")


if __name__ == "__main__":
    main()
