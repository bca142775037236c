/* global window, document, fetch, Element, DOMParser */
/*
 * The demo's passkey buttons, on @simplewebauthn/browser (served from node_modules as
 * /static/webauthn.js, global SimpleWebAuthnBrowser). Each button runs one ceremony against the
 * library's JSON router (/auth) with the page's CSRF token, then navigates like a form would.
 * No inline script: the page's CSP allows scripts from this origin only.
 */
(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  var token = null;

  function csrf() {
    if (token) return token;
    var input = document.querySelector('input[name=_csrf]');
    return input ? input.value : '';
  }

  function api(method, path, body) {
    return fetch(path, {
      method: method,
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': csrf(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (res) {
      return res
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          if (data && typeof data.csrfToken === 'string') token = data.csrfToken;
          return { status: res.status, data: data };
        });
    });
  }

  function showError(message) {
    var el = document.querySelector('[data-testid=passkey-error]');
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
  }

  function refused(res) {
    return (res.data && res.data.message) || 'The passkey was not accepted.';
  }

  function go(path) {
    window.location.assign(path);
  }

  /** 401 mfa_required (a stale factor): confirm on /mfa first, then come back. */
  function staleOrError(res, back) {
    if (res.status === 401 && res.data.error === 'mfa_required') {
      go('/mfa?returnTo=' + encodeURIComponent(back) + '&reason=stale');
    } else {
      showError(refused(res));
    }
  }

  function ceremonyFailed(err) {
    showError(
      err && err.name === 'NotAllowedError'
        ? 'The passkey prompt was dismissed or timed out.'
        : String((err && err.message) || err),
    );
  }

  function register() {
    var labelInput = document.querySelector('[data-testid=passkey-label]');
    var label = labelInput && labelInput.value.trim() ? labelInput.value.trim() : undefined;
    api('POST', '/auth/mfa/passkeys/register/options')
      .then(function (res) {
        if (res.status !== 200) return staleOrError(res, '/settings/security');
        return W.startRegistration({ optionsJSON: res.data })
          .then(function (response) {
            return api('POST', '/auth/mfa/passkeys/register/verify', {
              response: response,
              label: label,
            });
          })
          .then(function (done) {
            if (done.status !== 200) return showError(refused(done));
            var codes = done.data.recoveryCodes || [];
            if (codes.length === 0) return go('/settings/security?notice=passkey-added');
            // The codes must not be lost to a failed refresh: shown on the old page if need be.
            return refreshPage('/settings/security')
              .catch(function () {})
              .then(function () {
                showCodes(codes);
              });
          });
      })
      .catch(ceremonyFailed);
  }

  /**
   * The page's <main> as the server renders it now: the new passkey, the badges, the count of
   * recovery codes and the factors they back up. Swapped in without a navigation because the
   * codes exist only in this script (never in a URL or the session: invariant 7 of
   * docs/architecture.md). Scripts in the new markup do not run (DOMParser), and the click
   * handler is on the document, so the buttons keep working. A redirect (a stale session sent
   * to /mfa or /login) is not the page asked for: refused.
   */
  function refreshPage(path) {
    return fetch(path, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) {
        if (!res.ok || res.redirected) throw new Error('The page could not be refreshed.');
        return res.text();
      })
      .then(function (html) {
        var next = new DOMParser().parseFromString(html, 'text/html').querySelector('main');
        var main = document.querySelector('main');
        if (!next || !main) throw new Error('The page could not be refreshed.');
        main.replaceWith(document.importNode(next, true));
      });
  }

  /** First strong factor: the recovery codes are shown once, here, never put in a URL. */
  function showCodes(codes) {
    var box = document.querySelector('[data-testid=passkey-codes]');
    var list = document.createElement('ul');
    list.className = 'codes';
    list.setAttribute('data-testid', 'recovery-codes');
    codes.forEach(function (code) {
      var li = document.createElement('li');
      var c = document.createElement('code');
      c.textContent = code;
      li.appendChild(c);
      list.appendChild(li);
    });
    var note = document.createElement('p');
    note.className = 'lead';
    note.textContent = 'Passkey added. Save these recovery codes now: they are shown only once.';
    var next = document.createElement('a');
    next.href = '/settings/security?notice=passkey-added';
    next.className = 'button';
    next.setAttribute('data-testid', 'passkey-continue');
    next.textContent = 'I saved them';
    box.replaceChildren(note, list, next);
    box.hidden = false;
  }

  /** A fresh assertion for this user (second factor, or to confirm a removal). */
  function assertion() {
    return api('POST', '/auth/mfa/passkeys/authenticate/options').then(function (res) {
      if (res.status !== 200) return Promise.reject(res);
      return W.startAuthentication({ optionsJSON: res.data });
    });
  }

  function verify(button) {
    var returnTo = button.getAttribute('data-return-to') || '/';
    assertion()
      .then(function (response) {
        return api('POST', '/auth/mfa/verify', { factor: 'passkey', response: response });
      })
      .then(function (res) {
        if (res.status === 200) return go(returnTo);
        showError(refused(res));
      })
      .catch(function (err) {
        if (err && err.status) showError(refused(err));
        else ceremonyFailed(err);
      });
  }

  function remove(button) {
    var id = button.getAttribute('data-id');
    assertion()
      .then(function (response) {
        return api('DELETE', '/auth/mfa/factors/' + encodeURIComponent(id), { response: response });
      })
      .then(function (res) {
        if (res.status === 204) return go('/settings/security?notice=passkey-removed');
        staleOrError(res, '/settings/security');
      })
      .catch(function (err) {
        if (err && err.status) staleOrError(err, '/settings/security');
        else ceremonyFailed(err);
      });
  }

  /** Passwordless: the button, or the browser's autofill (conditional mediation). */
  function login(returnTo, autofill) {
    return api('POST', '/auth/passkey/options')
      .then(function (res) {
        if (res.status !== 200) return Promise.reject(res);
        return W.startAuthentication({ optionsJSON: res.data, useBrowserAutofill: autofill });
      })
      .then(function (response) {
        return api('POST', '/auth/passkey/login', { response: response });
      })
      .then(function (res) {
        if (res.status === 200) return go(returnTo);
        showError(refused(res));
      })
      .catch(function (err) {
        if (err && err.status) showError(refused(err));
        else if (!autofill) ceremonyFailed(err);
      });
  }

  /** Password reset with a passkey: options for the link's token, the ceremony, the reset. */
  function reset(button) {
    var form = button.closest('form');
    var token = form.querySelector('input[name=token]').value;
    var newPassword = form.querySelector('input[name=newPassword]').value;
    if (newPassword === '') return showError('Enter the new password first.');
    api('POST', '/auth/password/reset/passkey-options', { token: token })
      .then(function (res) {
        if (res.status !== 200) return Promise.reject(res);
        return W.startAuthentication({ optionsJSON: res.data });
      })
      .then(function (response) {
        return api('POST', '/auth/password/reset', {
          token: token,
          newPassword: newPassword,
          factor: 'passkey',
          response: response,
        });
      })
      .then(function (res) {
        if (res.status === 200) return go('/login?notice=password-reset');
        showError(refused(res));
      })
      .catch(function (err) {
        if (err && err.status) showError(refused(err));
        else ceremonyFailed(err);
      });
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target.closest('[data-testid]') : null;
    if (!target || !W) return;
    var id = target.getAttribute('data-testid');
    if (id === 'passkey-add') register();
    else if (id === 'factor-passkey') verify(target);
    else if (id === 'passkey-remove') remove(target);
    else if (id === 'passkey-reset') reset(target);
    else if (id === 'passkey-login') login(target.getAttribute('data-return-to') || '/', false);
    else return;
    event.preventDefault();
  });

  // Buttons that only work with this script (the reset page's passkey button).
  if (W) {
    document.querySelectorAll('[data-passkey-only]').forEach(function (el) {
      el.hidden = false;
    });
  }

  // Conditional mediation: passkeys offered in the username field's autofill (WebAuthn L3
  // §5.1.4.1, autocomplete="username webauthn"). A button press aborts it and starts a modal one.
  var field = document.querySelector('input[autocomplete~=webauthn]');
  if (field && W && W.browserSupportsWebAuthnAutofill) {
    W.browserSupportsWebAuthnAutofill().then(function (ok) {
      if (ok) login(field.getAttribute('data-return-to') || '/', true);
    });
  }
})();
