# The GitHub Action's image: the package and its built-in suites, nothing else.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/safety-regression
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY suites ./suites
RUN pip install --no-cache-dir .

ENTRYPOINT ["safety-regression-action"]
