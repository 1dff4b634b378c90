# Teller: build, then run on a slim Node 20 image.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
WORKDIR /usr/local/teller
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/web/build ./web/build
COPY --from=build /src/package.json /src/config.example.toml ./
COPY --from=build /src/addresses ./addresses
VOLUME ["/data"]
EXPOSE 7071 7711
ENTRYPOINT ["node", "dist/cli.js", "-d", "/data"]
CMD ["-c", "/data/config.toml"]
