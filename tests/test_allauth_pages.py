"""allauth's pages and e-mails in the portal's own templates, design and words."""

import re
from http import HTTPStatus

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

SIGN_UP = {"email": "hanako@example.jp", "password1": "kiso-no-hanako-42"}
SIGN_UP["password2"] = SIGN_UP["password1"]


def confirmation_mail(client) -> mail.EmailMessage:
    response = client.post("/accounts/signup/", SIGN_UP)
    assert response.status_code == HTTPStatus.FOUND
    (message,) = mail.outbox
    return message


def test_the_confirmation_e_mail_is_in_our_own_words_in_japanese(client, settings):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
    message = confirmation_mail(client)
    assert message.subject == "メールアドレスの確認のお願い"
    body = str(message.body)
    assert body.startswith("オンライン相談の利用登録をありがとうございます。")
    assert (
        "次のリンクを開いてボタンを押してください。\nhttp://testserver/accounts/confirm-email/"
        in body
    )
    assert "お心当たりのない場合は、このメールを破棄してください。" in body
    assert "オンライン相談予約" in body
    # allauth's stock text names the site's host and shouts: not ours.
    assert "testserver です" not in body and "example.com" not in body and "!" not in body
    without_link = re.sub(r"https?://\S+", "", body)
    assert "testserver" not in without_link


def test_the_confirmation_e_mail_is_in_our_own_words_in_english(client, settings):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
    client.cookies["django_language"] = "en"
    message = confirmation_mail(client)
    assert message.subject == "Please confirm your e-mail address"
    body = str(message.body)
    assert body.startswith("Thank you for signing up for online consultations.")
    assert "open this link and press the button:\nhttp://testserver/accounts/confirm-email/" in body
    assert "Did not sign up? Then you can ignore this e-mail" in body
    assert "testserver" not in re.sub(r"https?://\S+", "", body)
    assert "example.com" not in body


def test_the_reset_e_mail_is_ours_in_both_languages(client, make_user, settings):
    settings.ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
    make_user("hanako@example.jp")
    client.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    client.cookies["django_language"] = "en"
    client.post("/accounts/password/reset/", {"email": "hanako@example.jp"})
    ja, en = mail.outbox
    assert ja.subject == "新しいパスワードの設定"
    assert "新しいパスワードを設定するには、次のリンクを開いてください。\nhttp://" in str(ja.body)
    assert en.subject == "Choose a new password"
    assert "To choose a new password, open this link:\nhttp://" in str(en.body)
    for message in (ja, en):
        assert "testserver" not in re.sub(r"https?://\S+", "", str(message.body))


@pytest.mark.parametrize(
    "url", ["/accounts/signup/", "/accounts/password/reset/", "/accounts/confirm-email/"]
)
def test_the_pages_use_the_portals_buttons_and_fields(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    main = html[html.index("<main") :]
    for button in re.findall(r"<button[^>]*>", main):
        assert 'class="button button--primary"' in button, button
    assert "placeholder=" not in main
    if "<input" in main.replace('type="hidden"', ""):
        assert 'class="form-field' in main


def test_the_sign_up_page_reads_in_japanese_with_full_width_punctuation(client):
    html = client.get("/accounts/signup/").content.decode()
    labels = re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)
    texts = [re.sub(r"<[^>]+>", "", label) for label in labels]
    assert "パスワード（確認）（必須）" in texts
    for text in texts:
        assert not re.search(r"[:(),]", text), text


def test_a_used_confirmation_link_says_what_to_do(client):
    html = client.get("/accounts/confirm-email/not-a-key/").content.decode()
    assert "このリンクは有効期限が切れているか、すでに使われています。" in html
    assert 'href="/accounts/login/"' in html


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "ja",
            ["メールアドレス（必須）", "パスワード（必須）", "利用者ID", "パスワードをお忘れの方"],
        ),
        ("en", ["E-mail address (required)", "Password (required)", "user ID", "Forgot"]),
    ],
)
def test_the_sign_in_page_is_ours(client, language, words):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    for word in words:
        assert word in text, word
    assert 'class="button button--primary" type="submit"' in html  # the portal's button
    assert 'href="/accounts/issued/login/"' in html  # issued accounts have their own page
    assert "placeholder=" not in html
    assert "パスワード:" not in text


def test_a_wrong_password_on_the_sign_in_page_says_so_and_signs_nobody_in(client, make_user):
    make_user("hanako@example.jp")
    response = client.post(
        "/accounts/login/", {"login": "hanako@example.jp", "password": "wrong-one"}
    )
    assert response.status_code == HTTPStatus.OK
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in client.session
