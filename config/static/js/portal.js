/* Behaviour shared by every portal page; the CSP allows no inline script or handler. */
document.addEventListener("change", function (event) {
  /* The language switcher (and any select marked so) submits as soon as a choice is made. */
  var field = event.target;
  if (field.matches && field.matches("select[data-submit-on-change]") && field.form) {
    field.form.submit();
  }
});
