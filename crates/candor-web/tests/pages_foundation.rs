//! Staff pages through a real socket, on SQLite and PostgreSQL: sign-in and
//! sign-out, form protection, throttling, roles, invitations.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use candor_core::staff::Role;
use candor_web::http_test;
use candor_web::testing::{TEST_PASSWORD, TestServer};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The form token on a page.
fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("a form token") + "name=\"csrf\" value=\"".len();
    html[start..].split('"').next().unwrap().to_string()
}

async fn sign_in(s: &TestServer, b: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    let page = b.get(s.url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    b.post(s.url("/login"))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/settings/staff"),
        ])
        .send()
        .await
        .unwrap()
}

async fn sign_in_and_out(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let b = browser();
    // Signed out, pages send you to sign in.
    let r = b.get(s.url("/settings/staff")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/settings/staff");
    let r = sign_in(s, &b, &t.owner.email, TEST_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/settings/staff");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("candor_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain http must not mark cookies Secure: {cookie}"
    );
    let home = b.get(s.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Hello, Olivia"), "{home}");
    assert!(home.contains("staff.signed_in"));
    let csrf = csrf_of(&home);
    let r = b
        .post(s.url("/logout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get(s.url("/")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    // A wrong password is refused without saying which part was wrong.
    let r = sign_in(s, &browser(), &t.owner.email, "not the password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("The email or password is wrong."));
    let r = sign_in(s, &browser(), "nobody@nowhere.example", "whatever pass").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
http_test!(sign_in_out, sign_in_and_out);

async fn forms_from_elsewhere_are_refused(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let b = browser();
    assert_eq!(
        sign_in(s, &b, &t.owner.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = b
        .get(s.url("/settings/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page);
    // Another site posting with the user's cookies.
    let r = b
        .post(s.url("/settings/staff/invite"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("email", "x@acme.example"), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = b
        .post(s.url("/settings/staff/invite"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("email", "x@acme.example"), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A form without the session's token.
    let r = b
        .post(s.url("/settings/staff/invite"))
        .form(&[("csrf", "guess"), ("email", "x@acme.example"), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // The sign-in form needs its own token too.
    let r = browser()
        .post(s.url("/login"))
        .form(&[
            ("email", t.owner.email.as_str()),
            ("password", TEST_PASSWORD),
            ("csrf", "x"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing was invited.
    assert!(s.app.db.invites(t.workspace.id).await.unwrap().is_empty());
    // The same form from the same origin works.
    let r = b
        .post(s.url("/settings/staff/invite"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("email", "x@acme.example"), ("role", "admin")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(s.app.db.invites(t.workspace.id).await.unwrap().len(), 1);
}
http_test!(csrf, forms_from_elsewhere_are_refused);

async fn repeated_failures_are_slowed_down(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    for _ in 0..5 {
        assert_eq!(
            sign_in(s, &browser(), &t.owner.email, "wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password now waits.
    let r = sign_in(s, &browser(), &t.owner.email, TEST_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("Try again in 30 seconds"));
    s.clock.advance(jiff::SignedDuration::from_secs(31));
    assert_eq!(
        sign_in(s, &browser(), &t.owner.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}
http_test!(throttle, repeated_failures_are_slowed_down);

async fn roles_decide_who_manages_staff(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let other = s.tenant("Bolt Ltd").await;
    let (agent, _) = s.staff(&t.workspace, "Andrea Agent", Role::Agent, &[]).await;
    let (admin, _) = s.staff(&t.workspace, "Adam Admin", Role::Admin, &[]).await;
    // An agent sees colleagues but no controls, and a forged post is refused.
    let b = browser();
    assert_eq!(
        sign_in(s, &b, &agent.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let page = b
        .get(s.url("/settings/staff"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Adam Admin") && !page.contains("Invite someone"));
    let csrf = csrf_of(&page);
    let r = b
        .post(s.url(&format!("/settings/staff/{}/role", admin.id)))
        .form(&[("csrf", csrf.as_str()), ("role", "viewer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An admin changes an agent's role but not the owner's.
    let b = browser();
    assert_eq!(
        sign_in(s, &b, &admin.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = csrf_of(
        &b.get(s.url("/settings/staff"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let r = b
        .post(s.url(&format!("/settings/staff/{}/role", agent.id)))
        .form(&[("csrf", csrf.as_str()), ("role", "viewer")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.app.db.user(t.workspace.id, agent.id).await.unwrap().role,
        Role::Viewer
    );
    let r = b
        .post(s.url(&format!("/settings/staff/{}/role", t.owner.id)))
        .form(&[("csrf", csrf.as_str()), ("role", "agent")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        s.app.db.user(t.workspace.id, t.owner.id).await.unwrap().role,
        Role::Owner
    );
    // Another workspace's people are not found.
    let r = b
        .post(s.url(&format!("/settings/staff/{}/active", other.owner.id)))
        .form(&[("csrf", csrf.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(s.app.db.user(other.workspace.id, other.owner.id).await.unwrap().active);
    // Deactivation signs the person out everywhere.
    let agent_browser = browser();
    assert_eq!(
        sign_in(s, &agent_browser, &agent.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = b
        .post(s.url(&format!("/settings/staff/{}/active", agent.id)))
        .form(&[("csrf", csrf.as_str()), ("active", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        agent_browser.get(s.url("/")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in(s, &browser(), &agent.email, TEST_PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
}
http_test!(roles, roles_decide_who_manages_staff);

async fn invitations_need_a_real_name(s: &TestServer) {
    let t = s.tenant("Acme Inc").await;
    let b = browser();
    assert_eq!(
        sign_in(s, &b, &t.owner.email, TEST_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let csrf = csrf_of(
        &b.get(s.url("/settings/staff"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let page = b
        .post(s.url("/settings/staff/invite"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "new.person@acme.example"),
            ("role", "agent"),
        ])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start =
        page.find("id=\"invite-link\" readonly value=\"").unwrap() + "id=\"invite-link\" readonly value=\"".len();
    let link = page[start..].split('"').next().unwrap().to_string();
    assert!(link.starts_with(&s.base) && link.contains("/invite/inv_"), "{link}");
    let invitee = browser();
    let form = invitee.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("new.person@acme.example"));
    let csrf = csrf_of(&form);
    for bad in ["Support Team", "Helpdesk", "Bot", "Admin"] {
        let r = invitee
            .post(&link)
            .form(&[
                ("csrf", csrf.as_str()),
                ("name", bad),
                ("password", "long enough password"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            r.text().await.unwrap().contains("names a function, not a person"),
            "{bad}"
        );
    }
    let r = invitee
        .post(&link)
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Nadia Novak"),
            ("password", "long enough password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = invitee.get(s.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Hello, Nadia"));
    // The link worked once.
    assert_eq!(
        browser().get(&link).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let staff = s.app.db.users(t.workspace.id).await.unwrap();
    assert!(staff.iter().any(|u| u.name == "Nadia Novak" && u.role == Role::Agent));
}
http_test!(invitations, invitations_need_a_real_name);
