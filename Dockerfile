# The GitHub Action's image: the package, its built-in suites and git, nothing else.
# Released images are built from this file by .github/workflows/release.yml and pulled
# by action.yml as docker://ghcr.io/...; the runtime dependencies are installed from
# requirements/action.txt, exact versions with their sha256 hashes, so a rebuild of the
# same release installs the same bits. Regenerate the lock with:
#   pip-compile --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
#     --no-emit-find-links -o requirements/action.txt pyproject.toml
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the baseline guard reads the base commit's baseline from the workflow's checkout
# when GitHub's contents API sends no content (a file over 1 MB); see docs/action.md.
# Debian replaces a package's version with each security update, so the slim base
# image's tag is what pins it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/safety-regression
COPY requirements/action.txt ./requirements/action.txt
RUN pip install --no-cache-dir --require-hashes --only-binary=:all: -r requirements/action.txt
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
COPY suites ./suites
# The dependencies are in place already; --no-deps keeps pip from resolving any again.
RUN pip install --no-cache-dir --no-deps .

ENTRYPOINT ["safety-regression-action"]
