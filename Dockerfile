# The rex image for the daily job (terraform/: ECS Fargate runs `rex run --server NAME`):
# rex and barman-cloud (barman[cloud], for restores and drills) in one virtual environment.
# Build from the project root:  docker build -t rex:<version> .

FROM python:3.11-slim-bookworm AS build
# barman needs psycopg2, which is built from source here (gcc and libpq headers); the runtime
# stage only gets the shared libpq.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/rex
WORKDIR /src
COPY pyproject.toml README.md cli.py ./
COPY retention ./retention
COPY exporters ./exporters
COPY policies ./policies
RUN /opt/rex/bin/pip install --no-cache-dir . "barman[cloud]>=3.10,<4"

FROM python:3.11-slim-bookworm
# postgresql-15: the server binaries drills and `offboard --from-backup` restore with (rex runs
# them as its own non-root user, on a scratch cluster under /tmp)
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin rex
COPY --from=build /opt/rex /opt/rex
ENV PATH=/opt/rex/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp
# The task's root filesystem is read-only; /tmp is its scratch volume.
WORKDIR /tmp
USER 10001
# A batch job: ECS judges it by its exit code, not by a health check.
HEALTHCHECK NONE
ENTRYPOINT ["rex"]
CMD ["--help"]
