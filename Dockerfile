# The Scriba image: the `scriba` command on Node.js 20.
#   docker build -t registry.example/scriba:0.1.0 .
# The manifests in deploy/ run it with `serve`, `webhook` or `audit` as arguments.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json .npmrc buf.yaml buf.gen.yaml tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY src ./src
# npm ci generates the protobuf code and builds dist/; then drop the dev tools.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# gpg is needed only by `scriba sign --gpg-key`; the server and webhook verify PGP in-process.
USER node
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
CMD ["serve", "--listen", "0.0.0.0:8080"]
