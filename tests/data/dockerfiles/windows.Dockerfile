# escape=`

FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command", "$ErrorActionPreference = 'Stop';"]
WORKDIR C:\app
COPY app\ C:\app\
RUN New-Item -ItemType Directory -Path C:\data ; `
    Write-Host 'ready'
ENV APP_DIR=C:\app
CMD ["C:\\app\\server.exe"]
