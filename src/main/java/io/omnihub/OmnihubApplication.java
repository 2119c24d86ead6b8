package io.omnihub;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The omnihub integration hub. */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class OmnihubApplication {

    public static void main(String[] args) {
        SpringApplication.run(OmnihubApplication.class, args);
    }
}
