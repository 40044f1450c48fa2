FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY filters filters
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY policies policies
COPY filters/abusive-language/model.json filters/abusive-language/word-vectors.json filters/abusive-language/
USER node
EXPOSE 10025 8025
# a small young generation keeps a long-running relay near its idle size (README, Sizing)
ENTRYPOINT ["node", "--max-semi-space-size=1", "bin/member-officer-gateway.js"]
CMD ["start"]
