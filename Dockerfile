# syntax=docker/dockerfile:1
#
# One image for the worker (the default command), `npx tsx src/db/migrate-cli.ts` and the simulator.
# The app runs TypeScript through tsx (a production dependency), so nothing is compiled with tsc;
# the one build product is the prebuilt workflow bundle.

# Pinned to a full version so rebuilds are reproducible; keep it on Node 20 (package.json engines).
# Debian (glibc), not Alpine: the Temporal SDK's native module is built for glibc.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# ---- build: full install (dev dependencies included), workflow bundle, then prune to production ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until they change. npm ci runs the install
# scripts (esbuild, @swc/core, protobufjs, ... need theirs) and fails if the lockfile is stale.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
# Bundled once here, so workers start without webpack (see CARSYNC_WORKFLOW_BUNDLE below).
RUN npx tsx src/dev/bundle-workflows.ts dist/workflow-bundle.js
# Keeps production dependencies only; tsx is one of them, as the app runs through it.
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
# CARSYNC_WORKFLOW_BUNDLE: the worker loads this prebuilt bundle instead of bundling src/workflows at
# start-up. CARSYNC_METRICS_PORT: the Prometheus endpoint (/metrics) that the compose health check
# probes. npx/npm in the container must not try to reach the registry for update checks.
ENV NODE_ENV=production \
    CARSYNC_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    CARSYNC_METRICS_PORT=9464 \
    NPM_CONFIG_UPDATE_NOTIFIER=false
# Everything stays owned by root and read-only to the app user: the process cannot rewrite its code.
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY db ./db
COPY src ./src
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
# The base image's unprivileged `node` user, by number so that runAsNonRoot-style checks can verify it.
USER 1000:1000
EXPOSE 9464
# The worker drains on SIGTERM (finishes or hands back in-flight work) before exiting.
STOPSIGNAL SIGTERM
# node itself is PID 1 (no npm/tsx wrapper process in between), so SIGTERM reaches the worker directly.
CMD ["node", "--import", "tsx", "src/worker.ts"]
