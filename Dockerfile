# Container image for the gateway: compiled in a build stage, run with production dependencies only, as the unprivileged `node` user.
# Node 24, the current LTS (Node 20 reached end of life in April 2026); the code itself stays Node-20 compatible (package.json engines).

# ---- build: full dependencies, TypeScript compiled to dist/ by the same script as `npm run build`
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, compiled code and the default configuration
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
USER node
EXPOSE 8080
# node:24-slim has no curl: ask /healthz with node's own fetch.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"]
# Same target as `npm start` (without its build-if-needed step: the image is already built).
CMD ["node", "dist/server.js"]
