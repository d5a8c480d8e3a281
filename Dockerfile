# Werkbot: `docker run --env-file .env -v werkbot-data:/data werkbot`
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data \
    DATABASE_URL=sqlite+aiosqlite:////data/werkbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY storage ./storage
COPY scheduled ./scheduled
COPY config ./config
RUN pip install . && useradd --create-home --uid 1000 werkbot && mkdir -p /data && chown werkbot /data

USER werkbot
VOLUME ["/data"]
CMD ["werkbot", "run"]
