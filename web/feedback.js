/* "Did this answer your question?" on the chat page (issue 19, item 4).

   After an answer, the Rasa server asks it (utter_ask_feedback in domain.yml). On this
   page the question is drawn under the answer, with Yes and No buttons, instead of
   coming as a message of its own: the widget shows quick replies only under its last
   message, so a message of its own would hide the answer's topic buttons. The server
   marks the answer's bubble with the class "her2-ask-feedback" (channels/web_output.py).
   A click sends "Yes" or "No", as the question's buttons do on every other channel,
   through the widget's own message box, so it appears in the conversation like any
   answer; the question goes away once anything else is said. */
(function () {
  "use strict";

  var ASKED = "her2-ask-feedback";
  // The question and its buttons' titles and payloads, as in domain.yml utter_ask_feedback.
  var QUESTION = "Did this answer your question?";
  var ANSWERS = ["Yes", "No"];
  var counter = 0;

  function messageBox() {
    return document.querySelector("#webchat .rw-new-message");
  }

  // Sends text as the person's message, the way the widget sends what is typed (its form's
  // submit); whatever the person had started typing is put back afterwards.
  function send(text) {
    var box = messageBox();
    var form = box && box.form;
    if (!form) return false;
    var setValue = Object.getOwnPropertyDescriptor(
      window.HTMLTextAreaElement.prototype, "value").set;
    var draft = box.value;
    setValue.call(box, text);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    if (draft) {
      setValue.call(box, draft);
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
    return true;
  }

  function lastMessage(mount) {
    var all = mount.querySelectorAll(".rw-response, .rw-client");
    return all.length ? all[all.length - 1] : null;
  }

  function ask(bubble) {
    var group = document.createElement("div");
    var label = document.createElement("span");
    group.className = "her2-feedback";
    group.setAttribute("role", "group");
    label.id = "her2-feedback-question-" + (++counter);
    label.className = "her2-feedback-question";
    label.textContent = QUESTION;
    group.setAttribute("aria-labelledby", label.id);
    group.appendChild(label);
    ANSWERS.forEach(function (answer) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "her2-feedback-button";
      button.textContent = answer;
      button.addEventListener("click", function (event) {
        event.stopPropagation();
        if (send(answer)) {
          bubble.setAttribute("data-her2-feedback", "sent");
          group.remove();
        }
      });
      group.appendChild(button);
    });
    // Beside the bubble, not in it: the bubble keeps the answer's text alone.
    bubble.insertAdjacentElement("afterend", group);
  }

  function update(mount) {
    var last = lastMessage(mount);
    mount.querySelectorAll(".her2-feedback").forEach(function (group) {
      if (group.previousElementSibling !== last) group.remove();  // something was said since
    });
    if (last && last.classList.contains(ASKED) && !last.hasAttribute("data-her2-feedback") &&
        !(last.nextElementSibling && last.nextElementSibling.classList.contains("her2-feedback"))) {
      ask(last);
    }
  }

  window.HER2Chat.onChange(update);  // web/chat.js
})();
