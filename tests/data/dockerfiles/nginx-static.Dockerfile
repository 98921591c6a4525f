FROM node:18 AS build
WORKDIR /web
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM nginx:1.20
COPY --from=0 --chown=nginx:nginx --chmod=644 --link /web/dist /usr/share/nginx/html
ADD https://example.org/robots.txt /usr/share/nginx/html/robots.txt
ADD static.tar.gz /usr/share/nginx/html/static/
COPY nginx.conf /etc/nginx/conf.d/default.conf
