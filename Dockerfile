# syntax=docker/dockerfile:1
# Node 20: the major CI tests (.ci/run runs on the machine's Node 20; engines: >=20.19).
# Build: compile TypeScript with the full dependency tree.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime: production dependencies and the built JavaScript only, as a non-root user.
# NODE_ENV=production: token verification (AUTH_*) is required, and every provider needs its
# <NAME>_BASE_URL and credentials — the image is not a demo and runs no sandbox by default.
FROM node:20-slim AS runtime
ENV NODE_ENV=production PORT=4000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Without DATABASE_URL the state store is SQLite in /app/.cardplane/state.db (the default
# STATE_DB_PATH, relative to WORKDIR): idempotency records, attempts, the audit trail and reveal
# tokens must outlive the container, so the directory is a volume. With DATABASE_URL (several
# replicas, see docker-compose.yml) the state is in PostgreSQL and the volume stays empty.
RUN mkdir -p /app/.cardplane && chown node:node /app/.cardplane && chmod 700 /app/.cardplane
VOLUME ["/app/.cardplane"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "dist/src/main.js"]
