/* Starts the rasa-webchat widget (window.WebChat from /webchat.js) with the Rasa
   socket.io URL that the server put in /config.js, and makes the widget a bit more
   accessible (labels, keyboard-usable quick replies, a live region). */
(function () {
  "use strict";

  var config = window.HER2_CHAT_CONFIG || {};
  var mount = document.getElementById("webchat");
  var status = document.getElementById("chat-status");

  // The page's other scripts (summary.js, feedback.js; loaded after this one) redraw their
  // parts of the conversation whenever the widget changes: update(mount) now and on each change.
  window.HER2Chat = {
    onChange: function (update) {
      if (!mount) return;
      update(mount);
      new MutationObserver(function () { update(mount); })
        .observe(mount, { childList: true, subtree: true, attributes: true,
                          attributeFilter: ["class"] });
    }
  };

  function setStatus(text, isError) {
    if (!text) {
      status.hidden = true;
      status.textContent = "";
      return;
    }
    status.hidden = false;
    status.textContent = text;
    status.classList.toggle("chat-status--error", Boolean(isError));
  }

  if (!window.WebChat || typeof window.WebChat.default !== "function" || !config.socketUrl) {
    setStatus("Sorry, the chat could not be loaded. Please reload the page or try again later.", true);
    return;
  }

  var UNREACHABLE = "Can't reach the assistant right now. It will reconnect automatically; " +
    "please wait a moment or reload the page.";

  // ------------------------------------------------------------ a message lost in a crash
  // When the connection drops while the user's last message has had no reply (the server
  // handling it stopped), that message may be lost: the page says so, and keeps saying it
  // after the widget has reconnected, until the user sends something again.
  // (Same wording as nginx's REST reply in the cluster: ops/cluster_config.py.)
  var MAYBE_LOST = "That message may not have reached the assistant — please send it again.";

  // A reply comes as several messages with no end-of-turn marker: a drop this soon after
  // the latest one may have cut the reply short, so it counts as unanswered too.
  var REPLY_SETTLED_MS = 2000;

  function watchForLostMessages() {
    var counted = -1;     // user messages on screen (-1: not counting before the 1st connect,
                          // so a conversation restored after a reload is not "sent")
    var waiting = false;  // the latest user message may still be waiting for (more) reply
    var repliedAt = 0;    // when its latest bot message came (0: none yet)
    var lost = false;     // the notice is up
    function userMessages() { return mount.querySelectorAll(".rw-client").length; }
    function show() { setStatus(lost ? MAYBE_LOST : UNREACHABLE, true); }
    new MutationObserver(function () {
      if (counted < 0) { return; }
      var now = userMessages();
      if (now > counted) {
        waiting = true;
        repliedAt = 0;
        if (lost) { lost = false; setStatus(""); }
      }
      counted = now;
    }).observe(mount, { childList: true, subtree: true });
    return {
      connected: function () {
        if (counted < 0) { counted = userMessages(); }
        setStatus(lost ? MAYBE_LOST : "", lost);
      },
      answered: function () { repliedAt = Date.now(); },
      dropped: function () {
        if (waiting && (!repliedAt || Date.now() - repliedAt < REPLY_SETTLED_MS)) {
          lost = true;
        }
        waiting = false;
        show();
      },
      unreachable: show
    };
  }

  var connection = watchForLostMessages();

  window.WebChat.default({
    socketUrl: config.socketUrl,
    socketPath: config.socketPath || "/socket.io/",
    initPayload: "/greet",              // the bot greets: intro, disclaimer, topic buttons
    title: "HER2 Assistant",
    inputTextFieldHint: "Type your question…",
    connectingText: "Connecting…",
    embedded: true,                     // always open, fills the chat area
    showCloseButton: false,
    hideWhenNotConnected: false,
    withRules: false,                   // no Botfront rules: Rasa's socket.io channel
    params: { storage: "local" },       // keeps the conversation across reloads
    userTextColor: "#ffffff",
    userBackgroundColor: "#6b1d52",
    assistTextColor: "#1b1b1f",
    assistBackgoundColor: "#f1f2f6",     // (sic: the widget's prop name)
    customMessageDelay: function (message) {
      var delay = (message || "").length * 6;
      return Math.max(300, Math.min(delay, 1200));
    },
    onSocketEvent: {
      connect: function () { connection.connected(); },
      bot_uttered: function () { connection.answered(); },
      connect_error: function () { connection.unreachable(); },
      disconnect: function () { connection.dropped(); }
    }
  }, mount);

  // ------------------------------------------------------------ accessibility
  // docs/accessibility.md; tests/system/browser/test_accessibility.py checks all of this.
  var announcer = document.getElementById("chat-announcer");
  var ANNOUNCED_KEPT = 10;        // the live region keeps only the last few messages
  var announcedCount = -1;        // bot messages already on screen (-1: list not seen yet)

  function squash(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  function botMessages(list) {
    // Each bot message's bubble, in order; not the typing indicator ("...").
    return Array.prototype.filter.call(list.querySelectorAll(".rw-response"), function (el) {
      return !el.closest(".rw-typing-indication");
    });
  }

  function announce(list) {
    // Copies each new bot message (and the choices offered with it) into the polite
    // live region. Messages are counted, not remembered by node: the widget redraws
    // a message when its quick replies are used, and that must not be read again.
    // Messages already on screen when the list first appears (the conversation
    // restored after a reload) are not read out.
    var messages = botMessages(list);
    if (announcedCount < 0 || messages.length < announcedCount) {
      announcedCount = messages.length;
      return;
    }
    messages.slice(announcedCount).forEach(function (bubble) {
      var text = squash(bubble.textContent);
      var replies = bubble.parentNode.querySelectorAll(".rw-replies .rw-reply");
      if (replies.length) {
        text += " Choices: " + Array.prototype.map.call(replies, function (reply) {
          return squash(reply.textContent);
        }).join("; ") + ".";
      }
      if (!text) { return; }
      var line = document.createElement("p");
      line.textContent = "Assistant: " + text;
      announcer.appendChild(line);
    });
    announcedCount = messages.length;
    while (announcer.childNodes.length > ANNOUNCED_KEPT) {
      announcer.removeChild(announcer.firstChild);
    }
  }

  function focusAfterReply() {
    // A chosen quick reply is replaced by the user's message (and the send button is
    // disabled once the box is empty), so the keyboard focus would fall back to the
    // page: put it in the message box (or, if the widget has disabled that, on the
    // conversation), the next thing a keyboard user needs.
    var input = mount.querySelector(".rw-new-message");
    var target = input && !input.disabled ? input : mount.querySelector(".rw-messages-container");
    if (target) { target.focus(); }
  }

  function activateOnKey(event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      var reply = event.currentTarget;
      reply.click();
      setTimeout(function () {
        if (!document.body.contains(reply) || document.activeElement === document.body) {
          focusAfterReply();
        }
      }, 0);
    }
  }

  function enhance(root) {
    var list = root.querySelectorAll ? root : document;
    list.querySelectorAll(".rw-messages-container:not([role])").forEach(function (el) {
      el.setAttribute("role", "log");
      // Not read out here: #chat-announcer reads each bot message once, without the
      // user's own words, the typing indicator or a restored conversation.
      el.setAttribute("aria-live", "off");
      el.setAttribute("aria-label", "Conversation");
      el.setAttribute("tabindex", "0");   // scrollable by keyboard
    });
    list.querySelectorAll("div.rw-reply:not([role])").forEach(function (el) {
      el.setAttribute("role", "button");
      el.setAttribute("tabindex", "0");
      el.addEventListener("keydown", activateOnKey);
    });
    list.querySelectorAll(".rw-new-message:not([aria-label])").forEach(function (el) {
      el.setAttribute("aria-label", "Type your question");
    });
    list.querySelectorAll("button.rw-send:not([aria-label])").forEach(function (el) {
      el.setAttribute("aria-label", "Send");
    });
    var messages = list.querySelector(".rw-messages-container");
    if (messages && announcer) { announce(messages); }
  }

  // Sending with the keyboard (Enter or Space on the send button) empties the box,
  // which disables the button and would drop the focus: keep it in the message box.
  // (event.detail is 0 for a click made from the keyboard.)
  mount.addEventListener("click", function (event) {
    var send = event.target.closest && event.target.closest("button.rw-send");
    if (send && event.detail === 0) {
      setTimeout(function () {
        if (document.activeElement === send || document.activeElement === document.body) {
          focusAfterReply();
        }
      }, 0);
    }
  }, true);

  new MutationObserver(function () { enhance(mount); })
    .observe(mount, { childList: true, subtree: true });
})();
