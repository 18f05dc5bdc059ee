//! A browser without a screen for the HTML pages: a cookie jar, form posts, and reading the hidden
//! fields (`_csrf`, `_form`) a page carries, for the server-side tests of `tests/web.rs`.

use reqwest::header::HeaderMap;

use crate::TestApp;

/// A page as the browser received it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub html: String,
    /// Where the browser ended up after redirects.
    pub url: String,
}

impl Page {
    /// The value of the first `<input name="...">` on the page.
    pub fn input(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\"");
        let at = self.html.find(&marker)?;
        let tag_start = self.html[..at].rfind('<')?;
        let tag_end = at + self.html[at..].find('>')?;
        let tag = &self.html[tag_start..tag_end];
        let value = tag.split("value=\"").nth(1)?;
        Some(value[..value.find('"')?].to_owned())
    }

    pub fn csrf(&self) -> String {
        self.input("_csrf")
            .expect("the page has a form with a CSRF token")
    }

    pub fn form_id(&self) -> String {
        self.input("_form")
            .expect("the page has a form with a one-time id")
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect()
    }
}

/// One browser: its own cookies.
pub struct Browser<'a> {
    pub app: &'a TestApp,
    pub client: reqwest::Client,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Browser {
            app,
            client: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .expect("a client"),
        }
    }

    /// A browser that does not follow redirects, to look at them.
    pub fn without_redirects(app: &'a TestApp) -> Self {
        Browser {
            app,
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        page(self.client.get(self.app.url(path)).send().await).await
    }

    /// Posts a form as a browser does (application/x-www-form-urlencoded, fields in order).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        page(
            self.client
                .post(self.app.url(path))
                .form(fields)
                .send()
                .await,
        )
        .await
    }

    /// Signs in through the sign-in page.
    pub async fn sign_in(&self, email: &str) -> Page {
        let login = self.get("/login").await;
        let csrf = login.csrf();
        self.post(
            "/login",
            &[
                ("_csrf", &csrf),
                ("email", email),
                ("password", crate::TEST_PASSWORD),
                ("next", ""),
            ],
        )
        .await
    }
}

async fn page(response: reqwest::Result<reqwest::Response>) -> Page {
    let response = response.expect("the service answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let url = response.url().to_string();
    let html = response.text().await.expect("a readable page");
    Page {
        status,
        headers,
        html,
        url,
    }
}
