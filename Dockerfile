# Builds the hub from this repository and runs it with the prod profile (nothing embedded).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline -DexcludeReactor=true || true
COPY src src
RUN mvn -q -B -DskipTests package

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/omnihub-*.jar /app/omnihub.jar
# routes, connectors, mappings and the routing policy are read from the file system, so they can be
# edited (or mounted) without rebuilding the image
COPY routes routes
COPY connectors connectors
COPY mappings mappings
COPY routing routing
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/omnihub.jar"]
