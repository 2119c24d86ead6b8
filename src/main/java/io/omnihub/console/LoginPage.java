package io.omnihub.console;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/** The console's sign-in page (the form Spring Security's form login posts to {@code /login}), with its CSRF token. */
@RestController
public class LoginPage {

    @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
    public String login(HttpServletRequest request) {
        CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        String message = request.getParameter("error") != null ? "<p class=\"login-error\">Wrong user name or password.</p>"
                : request.getParameter("logout") != null ? "<p class=\"login-note\">You are signed out.</p>" : "";
        String token = csrf == null ? "" : "<input type=\"hidden\" name=\"" + HtmlUtils.htmlEscape(csrf.getParameterName())
                + "\" value=\"" + HtmlUtils.htmlEscape(csrf.getToken()) + "\">";
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>omnihub · sign in</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <link rel="icon" href="/favicon.svg"><link rel="stylesheet" href="/console.css"></head>
                <body class="login-body">
                <form class="login-card" method="post" action="/login">
                  <div class="brand brand-large"><span class="brand-mark">◆</span> omnihub</div>
                  <p class="login-sub">Operator console</p>
                  %s
                  <label>User <input id="username" name="username" autocomplete="username" autofocus required></label>
                  <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
                  %s
                  <button id="sign-in" class="btn btn-primary" type="submit">Sign in</button>
                </form>
                </body></html>
                """.formatted(message, token);
    }
}
