# The Yuqing image: the API (`yuqing serve`) and the worker (`yuqing run`) run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.9 \
    && useradd --create-home --uid 10001 yuqing

WORKDIR /app
# Dependencies first (cached while only the code changes), exactly as locked.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project --no-dev
COPY . .
RUN uv sync --locked --no-dev && mkdir -p /data && chown yuqing /data

USER yuqing
ENV YUQING_DATA_DIR=/data
EXPOSE 8000
CMD ["yuqing", "serve", "--host", "0.0.0.0"]
