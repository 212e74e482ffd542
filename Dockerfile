# Debrief's web, worker and beat image: Debian's Python, Debian's Node.js for the front-end
# libraries (npm registry, package-lock.json), PyPI for the pinned Python packages, and Debian's
# Pango and fonts for WeasyPrint's PDF export.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HOST=0.0.0.0 PORT=8000
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
    libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 debrief
WORKDIR /app

# Dependencies first, so a code change does not reinstall them; the same setup functions as
# scripts/serve uses, so its own check finds them installed and does nothing at start.
COPY requirements.txt requirements-dev.txt package.json package-lock.json ./
COPY scripts/setup.sh scripts/setup.sh
RUN bash -c 'source scripts/setup.sh && ensure_python_env requirements.txt && ensure_node_modules'

COPY . .
RUN chown -R debrief /app
USER debrief
EXPOSE 8000
# The web process; compose.yaml runs the worker and beat from the same image with other commands.
CMD ["scripts/serve"]
