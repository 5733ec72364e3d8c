# One image for every service; docker-compose.yml picks the entry point per service.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN for p in WebhookApi CoreApi Worker Front Migrator; do \
      dotnet publish "src/$p/$p.csproj" -c Release -o "/app/$p" --nologo || exit 1; \
    done

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app /app
ENV ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1
# The console's key ring volume mounts here; made in the image so a new named volume takes the app user as owner.
RUN mkdir -p /data/console-keys && chown app /data/console-keys
USER app
