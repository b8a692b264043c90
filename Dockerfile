# syntax=docker/dockerfile:1
#
# One image for the worker (the default command), `node dist/db/migrate-cli.js`, `node dist/client.js`
# and the simulator. It runs JavaScript compiled with tsc (`npm run build`, src/ to dist/) and a
# workflow bundle built once here; nothing is transpiled at start-up.

# Node 24, an LTS line still supported (package.json engines), pinned to a full version so rebuilds
# are reproducible. Debian (glibc), not Alpine: the Temporal SDK's native module is built for glibc.
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

# ---- build: full install (dev dependencies included), compile, workflow bundle, then prune ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until they change. npm ci runs the install
# scripts (esbuild, @swc/core, protobufjs, ... need theirs) and fails if the lockfile is stale.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
# Bundled once here, so workers start without webpack (see CARSYNC_WORKFLOW_BUNDLE below).
RUN node dist/dev/bundle-workflows.js dist/workflow-bundle.js
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# CARSYNC_WORKFLOW_BUNDLE: the worker loads this prebuilt bundle instead of bundling the workflows at
# start-up. CARSYNC_METRICS_PORT: the Prometheus endpoint (/metrics) that the compose health check
# probes. npm in the container must not try to reach the registry for update checks.
# MALLOC_ARENA_MAX: glibc's arenas for the worker's threads (src/worker-settings.ts says why).
ENV NODE_ENV=production \
    CARSYNC_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    CARSYNC_METRICS_PORT=9464 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    MALLOC_ARENA_MAX=2
# Everything stays owned by root and read-only to the app user: the process cannot rewrite its code.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json ./
# The migrations, read by dist/db/migrate.js from ../../db.
COPY db ./db
COPY --from=build /app/dist ./dist
# The base image's unprivileged `node` user, by number so that runAsNonRoot-style checks can verify it.
USER 1000:1000
EXPOSE 9464
# The worker drains on SIGTERM (finishes or hands back in-flight work) before exiting.
STOPSIGNAL SIGTERM
# node runs the worker itself, with no npm or tsx wrapper in between, so SIGTERM reaches it directly.
CMD ["node", "dist/worker.js"]
