# Node.js 애플리케이션 Dockerfile
FROM node:16-alpine           # 베이스 이미지

WORKDIR /app                  # 작업 디렉터리 설정

COPY package*.json ./         # 의존성 파일 복사
RUN npm install               # 패키지 설치

COPY . .                      # 소스 코드 복사

EXPOSE 3000                   # 포트 노출

CMD ["npm", "start"]          # 실행 명령
