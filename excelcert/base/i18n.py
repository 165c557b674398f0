"""The words excelcert itself writes into workbooks, in each language it speaks.

The scheme brings its own texts (indicators, choices, labels); this catalogue holds the
rest: sheet names, headings, instructions, validation messages. A language without an
entry here falls back to English. Dates and numbers are written by Babel, as the
language writes them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "sheet_start": "Start",
        "page": "Page",
        "sheet_profile": "Profile",
        "sheet_assessment": "Assessment",
        "sheet_summary": "Summary",
        "self_assessment": "Self-assessment",
        "intro": (
            "This workbook is your self-assessment. It asks {count} questions "
            "about your cluster organisation in five areas. Your answers and the documents you "
            "name are then verified by two independent experts; the label (Bronze, Silver or Gold) "
            "is awarded after that review."
        ),
        "deadline": "Please return this workbook by {deadline}.",
        "renewal": "Welcome back. Your last label: {label} (certificate {reference}, {points} of {max_points} points), valid until {valid_until}. Your final answers of last time are filled in as a starting point, each with a note: check every one and change what is no longer true.",
        "last_time": "Last time's answer (certificate {reference}). Check it, and change it if it is no longer true.",
        "steps_title": "How to fill it in",
        "step1": "Check your organisation's details on the '{profile}' sheet and correct anything that is wrong.",
        "step2": "Answer every question on the '{assessment}' sheet. Type only in the yellow cells; where a list is offered, pick the sentence that fits best.",
        "step3": "For each answer, name the document that proves it in the 'Evidence' column; add a comment where it helps.",
        "step4": "Watch the progress counter below: it shows how many questions are answered, and your provisional score.",
        "step5": "Save the workbook as .xlsx. Keep its sheets and the ID column as they are; you may widen columns.",
        "step6": "Send it by e-mail to {email} by {deadline}.",
        "contact": "Questions? {name}: {email}.",
        "progress": "Progress",
        "answered": "{n} of {total} answered",
        "of": " of ",
        "answered_suffix": " answered",
        "provisional_score": "Provisional score",
        "provisional_label": "Provisional label",
        "provisional_note": "Provisional: computed from your own answers. The label is awarded only after the experts' review.",
        "incomplete": "Incomplete",
        "no_label": "No label",
        "points": "points",
        "profile_title": "Your organisation",
        "profile_note": "These details come from our records. Please correct anything that is wrong in the yellow cells.",
        "f_id": "Cluster ID",
        "f_name": "Name",
        "f_country": "Country",
        "f_language": "Language",
        "f_group": "Sector",
        "f_contact_name": "Contact person",
        "f_email": "E-mail",
        "f_website": "Website",
        "f_club": "Club directory",
        "club_note": "Club directory: answer Yes if the cluster manager's name and e-mail may be listed in the directory of the club of labelled cluster managers, once your cluster holds a label. Leave No and nothing is listed.",
        "h_id": "ID",
        "h_indicator": "Indicator",
        "h_question": "Question",
        "h_guidance": "Guidance",
        "h_answer": "Your answer",
        "h_unit": "Unit",
        "h_evidence": "Evidence / document",
        "h_comment": "Comment",
        "h_points": "Points",
        "h_max": "Max.",
        "assessment_note": "Type in the yellow cells only. Orange cells are required answers still missing.",
        "mark_each": "Mark each that applies:",
        "subtotal": "Subtotal",
        "total": "Total",
        "summary_title": "Points per category",
        "rules_title": "What decides the label",
        "rule_points": "{label}: at least {percent} % of the points ({points})",
        "rules_eligibility": "Eligibility criteria (every label needs them met)",
        "rules_must_meet": "Indicators that must reach their quality level",
        "rule_needed_for": "{indicator} ({id}), for {labels}",
        "rules_review": "Every label is awarded after the experts' review of this self-assessment.",
        "met": "met",
        "not_met": "not met",
        "h_category": "Category",
        "h_share": "Share",
        "thresholds": "Label thresholds (share of the maximum points)",
        "chart_title": "Share of the maximum points, per category",
        "v_integer": "A whole number from {min} to {max}.",
        "v_decimal": "A number from {min} to {max}.",
        "v_percent": "A percentage from {min} % to {max} %. Type 45 for 45 %.",
        "v_date": "A date, for example {example}.",
        "v_text": "Free text.",
        "v_choice": "Pick the sentence that fits best from the list.",
        "v_yes_no": "Yes or No.",
        "v_error_title": "Answer not accepted",
        "v_error": "This answer is not accepted. {expected}",
        "required": "Required.",
        "required_answered": "Required answers",
    },
    "fr": {
        "sheet_start": "Accueil",
        "page": "Page",
        "sheet_profile": "Profil",
        "sheet_assessment": "Auto-évaluation",
        "sheet_summary": "Synthèse",
        "self_assessment": "Auto-évaluation",
        "intro": (
            "Ce classeur est votre auto-évaluation. Il pose {count} "
            "questions sur votre organisation de cluster dans cinq domaines. Vos réponses et les "
            "documents cités sont ensuite vérifiés par deux experts indépendants ; le label (Bronze, "
            "Argent ou Or) est attribué à l'issue de cette revue."
        ),
        "deadline": "Merci de renvoyer ce classeur au plus tard le {deadline}.",
        "renewal": "Bienvenue à nouveau. Votre dernier label : {label} (certificat {reference}, {points} points sur {max_points}), valable jusqu'au {valid_until}. Vos réponses finales de la dernière fois sont reprises comme point de départ, chacune avec une note : vérifiez-les toutes et modifiez ce qui n'est plus exact.",
        "last_time": "Réponse de la dernière fois (certificat {reference}). Vérifiez-la et modifiez-la si elle n'est plus exacte.",
        "steps_title": "Comment le remplir",
        "step1": "Vérifiez les informations de votre organisation dans la feuille « {profile} » et corrigez ce qui est inexact.",
        "step2": "Répondez à chaque question de la feuille « {assessment} ». Saisissez uniquement dans les cellules jaunes ; lorsqu'une liste est proposée, choisissez la phrase qui convient le mieux.",
        "step3": "Pour chaque réponse, indiquez dans la colonne « Justificatif » le document qui l'atteste ; ajoutez un commentaire si utile.",
        "step4": "Suivez le compteur ci-dessous : il indique le nombre de questions renseignées et votre score provisoire.",
        "step5": "Enregistrez le classeur au format .xlsx. Conservez ses feuilles et la colonne ID telles quelles ; vous pouvez élargir les colonnes.",
        "step6": "Envoyez-le par courriel à {email} au plus tard le {deadline}.",
        "contact": "Des questions ? {name}\u202f: {email}.",
        "progress": "Avancement",
        "answered": "{n} sur {total} renseignées",
        "of": " sur ",
        "answered_suffix": " renseignées",
        "provisional_score": "Score provisoire",
        "provisional_label": "Label provisoire",
        "provisional_note": "Provisoire : calculé à partir de vos propres réponses. Le label n'est attribué qu'après la revue des experts.",
        "incomplete": "Incomplet",
        "no_label": "Aucun label",
        "points": "points",
        "profile_title": "Votre organisation",
        "profile_note": "Ces informations proviennent de nos fichiers. Merci de corriger dans les cellules jaunes ce qui est inexact.",
        "f_id": "Identifiant du cluster",
        "f_name": "Nom",
        "f_country": "Pays",
        "f_language": "Langue",
        "f_group": "Secteur",
        "f_contact_name": "Personne de contact",
        "f_email": "Courriel",
        "f_website": "Site web",
        "f_club": "Annuaire du club",
        "club_note": "Annuaire du club : répondez Oui si le nom et le courriel du manager du cluster peuvent figurer dans l'annuaire du club des managers de clusters labellisés, une fois votre cluster labellisé. Laissez Non et rien n'y figure.",
        "h_id": "ID",
        "h_indicator": "Indicateur",
        "h_question": "Question",
        "h_guidance": "Aide",
        "h_answer": "Votre réponse",
        "h_unit": "Unité",
        "h_evidence": "Justificatif / document",
        "h_comment": "Commentaire",
        "h_points": "Points",
        "h_max": "Max.",
        "assessment_note": "Saisissez uniquement dans les cellules jaunes. Les cellules orange sont des réponses obligatoires encore manquantes.",
        "mark_each": "Indiquez pour chacun :",
        "subtotal": "Sous-total",
        "total": "Total",
        "summary_title": "Points par catégorie",
        "rules_title": "Ce qui décide du label",
        "rule_points": "{label} : au moins {percent} % des points ({points})",
        "rules_eligibility": "Critères d'éligibilité (requis pour tout label)",
        "rules_must_meet": "Indicateurs qui doivent atteindre leur seuil de qualité",
        "rule_needed_for": "{indicator} ({id}), pour {labels}",
        "rules_review": "Tout label est attribué après la revue de cette auto-évaluation par les experts.",
        "met": "atteint",
        "not_met": "non atteint",
        "h_category": "Catégorie",
        "h_share": "Part",
        "thresholds": "Seuils des labels (part du maximum de points)",
        "chart_title": "Part du maximum de points, par catégorie",
        "v_integer": "Un nombre entier de {min} à {max}.",
        "v_decimal": "Un nombre de {min} à {max}.",
        "v_percent": "Un pourcentage de {min} % à {max} %. Tapez 45 pour 45 %.",
        "v_date": "Une date, par exemple {example}.",
        "v_text": "Texte libre.",
        "v_choice": "Choisissez dans la liste la phrase qui convient le mieux.",
        "v_yes_no": "Oui ou Non.",
        "v_error_title": "Réponse non acceptée",
        "v_error": "Cette réponse n'est pas acceptée. {expected}",
        "required": "Obligatoire.",
        "required_answered": "Réponses obligatoires",
    },
    "de": {
        "sheet_start": "Start",
        "page": "Seite",
        "sheet_profile": "Profil",
        "sheet_assessment": "Selbstbewertung",
        "sheet_summary": "Übersicht",
        "self_assessment": "Selbstbewertung",
        "intro": (
            "Diese Arbeitsmappe ist Ihre Selbstbewertung. Sie enthält {count} Fragen "
            "zu Ihrer Clusterorganisation in fünf Bereichen. Ihre Antworten und die genannten Nachweise "
            "werden anschließend von zwei unabhängigen Fachleuten geprüft; das Label (Bronze, Silber "
            "oder Gold) wird nach dieser Prüfung vergeben."
        ),
        "deadline": "Bitte senden Sie diese Arbeitsmappe bis zum {deadline} zurück.",
        "renewal": "Willkommen zurück. Ihr letztes Label: {label} (Zertifikat {reference}, {points} von {max_points} Punkten), gültig bis {valid_until}. Ihre endgültigen Antworten vom letzten Mal sind als Ausgangspunkt eingetragen, jede mit einer Notiz: Prüfen Sie alle und ändern Sie, was nicht mehr zutrifft.",
        "last_time": "Antwort vom letzten Mal (Zertifikat {reference}). Bitte prüfen und ändern, falls sie nicht mehr zutrifft.",
        "steps_title": "So füllen Sie sie aus",
        "step1": "Prüfen Sie die Angaben zu Ihrer Organisation im Blatt „{profile}“ und korrigieren Sie Unzutreffendes.",
        "step2": "Beantworten Sie jede Frage im Blatt „{assessment}“. Schreiben Sie nur in die gelben Zellen; wo eine Liste angeboten wird, wählen Sie den passendsten Satz.",
        "step3": "Nennen Sie zu jeder Antwort in der Spalte „Nachweis“ das Dokument, das sie belegt; ergänzen Sie bei Bedarf einen Kommentar.",
        "step4": "Der Zähler unten zeigt, wie viele Fragen beantwortet sind, und Ihre vorläufige Punktzahl.",
        "step5": "Speichern Sie die Arbeitsmappe als .xlsx. Lassen Sie die Blätter und die Spalte ID unverändert; Spalten verbreitern ist erlaubt.",
        "step6": "Senden Sie sie per E-Mail an {email} bis zum {deadline}.",
        "contact": "Fragen? {name}: {email}.",
        "progress": "Fortschritt",
        "answered": "{n} von {total} beantwortet",
        "of": " von ",
        "answered_suffix": " beantwortet",
        "provisional_score": "Vorläufige Punktzahl",
        "provisional_label": "Vorläufiges Label",
        "provisional_note": "Vorläufig: aus Ihren eigenen Antworten berechnet. Das Label wird erst nach der Prüfung durch die Fachleute vergeben.",
        "incomplete": "Unvollständig",
        "no_label": "Kein Label",
        "points": "Punkte",
        "profile_title": "Ihre Organisation",
        "profile_note": "Diese Angaben stammen aus unseren Unterlagen. Bitte korrigieren Sie Unzutreffendes in den gelben Zellen.",
        "f_id": "Cluster-ID",
        "f_name": "Name",
        "f_country": "Land",
        "f_language": "Sprache",
        "f_group": "Branche",
        "f_contact_name": "Ansprechperson",
        "f_email": "E-Mail",
        "f_website": "Website",
        "f_club": "Club-Verzeichnis",
        "club_note": "Club-Verzeichnis: Antworten Sie mit Ja, wenn Name und E-Mail des Clustermanagers im Verzeichnis des Clubs der Manager ausgezeichneter Cluster stehen dürfen, sobald Ihr Cluster ein Label trägt. Bei Nein wird nichts aufgenommen.",
        "h_id": "ID",
        "h_indicator": "Indikator",
        "h_question": "Frage",
        "h_guidance": "Hinweise",
        "h_answer": "Ihre Antwort",
        "h_unit": "Einheit",
        "h_evidence": "Nachweis / Dokument",
        "h_comment": "Kommentar",
        "h_points": "Punkte",
        "h_max": "Max.",
        "assessment_note": "Bitte nur in die gelben Zellen schreiben. Orange Zellen sind noch fehlende Pflichtangaben.",
        "mark_each": "Bitte jeweils angeben:",
        "subtotal": "Zwischensumme",
        "total": "Gesamt",
        "summary_title": "Punkte je Kategorie",
        "rules_title": "Was über das Label entscheidet",
        "rule_points": "{label}: mindestens {percent} % der Punkte ({points})",
        "rules_eligibility": "Zulassungskriterien (für jedes Label zu erfüllen)",
        "rules_must_meet": "Indikatoren, die ihre Qualitätsschwelle erreichen müssen",
        "rule_needed_for": "{indicator} ({id}), für {labels}",
        "rules_review": "Jedes Label wird nach der Prüfung dieser Selbstbewertung durch die Gutachter vergeben.",
        "met": "erfüllt",
        "not_met": "nicht erfüllt",
        "h_category": "Kategorie",
        "h_share": "Anteil",
        "thresholds": "Label-Schwellen (Anteil an der Höchstpunktzahl)",
        "chart_title": "Anteil an der Höchstpunktzahl je Kategorie",
        "v_integer": "Eine ganze Zahl von {min} bis {max}.",
        "v_decimal": "Eine Zahl von {min} bis {max}.",
        "v_percent": "Ein Prozentsatz von {min} % bis {max} %. Für 45 % tippen Sie 45.",
        "v_date": "Ein Datum, zum Beispiel {example}.",
        "v_text": "Freier Text.",
        "v_choice": "Wählen Sie den passendsten Satz aus der Liste.",
        "v_yes_no": "Ja oder Nein.",
        "v_error_title": "Antwort nicht zulässig",
        "v_error": "Diese Antwort ist nicht zulässig. {expected}",
        "required": "Pflichtangabe.",
        "required_answered": "Pflichtangaben",
    },
}


# What a cluster must do about each problem, in its language (corrections workbook).
HINTS: dict[str, dict[str, str]] = {
    "en": {
        "answer-missing": "Answer this question.",
        "answer-not-a-number": "Type a number, for example 45.",
        "answer-not-whole": "Type a whole number, for example 45.",
        "answer-out-of-bounds": "The figure is outside the possible range: check it and the unit asked for.",
        "answer-ambiguous-percent": "We read this as a percentage; correct it if that is wrong.",
        "answer-not-yes-no": "Pick Yes or No from the list.",
        "answer-unknown-choice": "Pick one of the sentences offered in the cell's list.",
        "answer-not-a-date": "Type the date as 2026-12-31.",
        "answer-ambiguous-date": "We read the day first; type the date as 2026-12-31 if that is wrong.",
        "answer-formula-not-calculated": "Type the value itself instead of a formula.",
        "answer-row-missing": "This question's row was deleted: answer it in an unchanged copy of the workbook.",
        "answer-row-duplicate": "This question appears twice with different answers: keep one row.",
        "answer-sheet-missing": "The answers sheet is missing: please fill in the workbook you received.",
        "old-scheme-version": "This workbook is of an older version: you will receive a new one to fill in.",
        "answer-tiny-percent": "This percentage is below 1 %: if you meant 45 %, type 45 in the cell (it then shows 45 %).",
        "answer-sheet-twice": "The answers appear on two sheets: delete the copy and keep one.",
        "macro-workbook": "Next time, save the workbook as 'Excel Workbook (.xlsx)' (in LibreOffice: 'Excel 2007-365 (.xlsx)').",
        "other": "Please correct this and send the workbook again.",
    },
    "fr": {
        "answer-missing": "Répondez à cette question.",
        "answer-not-a-number": "Saisissez un nombre, par exemple 45.",
        "answer-not-whole": "Saisissez un nombre entier, par exemple 45.",
        "answer-out-of-bounds": "Le chiffre sort des valeurs possibles : vérifiez-le, ainsi que l'unité demandée.",
        "answer-ambiguous-percent": "Nous l'avons lu comme un pourcentage ; corrigez-le si ce n'est pas le cas.",
        "answer-not-yes-no": "Choisissez Oui ou Non dans la liste.",
        "answer-unknown-choice": "Choisissez l'une des phrases proposées dans la liste de la cellule.",
        "answer-not-a-date": "Saisissez la date sous la forme 2026-12-31.",
        "answer-ambiguous-date": "Nous avons lu le jour en premier ; saisissez 2026-12-31 si c'est inexact.",
        "answer-formula-not-calculated": "Saisissez la valeur elle-même plutôt qu'une formule.",
        "answer-row-missing": "La ligne de cette question a été supprimée : répondez-y dans une copie intacte du classeur.",
        "answer-row-duplicate": "Cette question figure deux fois avec des réponses différentes : gardez une seule ligne.",
        "answer-sheet-missing": "La feuille des réponses manque : merci de remplir le classeur reçu.",
        "old-scheme-version": "Ce classeur est d'une version antérieure : vous en recevrez un nouveau à remplir.",
        "answer-tiny-percent": "Ce pourcentage est inférieur à 1 % : si vous vouliez dire 45 %, saisissez 45 dans la cellule (elle affiche alors 45 %).",
        "answer-sheet-twice": "Les réponses figurent sur deux feuilles : supprimez la copie et n'en gardez qu'une.",
        "macro-workbook": "La prochaine fois, enregistrez le classeur au format « Classeur Excel (.xlsx) » (dans LibreOffice : « Excel 2007-365 (.xlsx) »).",
        "other": "Merci de corriger ce point et de renvoyer le classeur.",
    },
    "de": {
        "answer-missing": "Bitte beantworten Sie diese Frage.",
        "answer-not-a-number": "Bitte eine Zahl eingeben, zum Beispiel 45.",
        "answer-not-whole": "Bitte eine ganze Zahl eingeben, zum Beispiel 45.",
        "answer-out-of-bounds": "Der Wert liegt außerhalb des möglichen Bereichs: bitte ihn und die verlangte Einheit prüfen.",
        "answer-ambiguous-percent": "Wir haben dies als Prozentsatz gelesen; bitte korrigieren, falls das nicht stimmt.",
        "answer-not-yes-no": "Bitte Ja oder Nein aus der Liste wählen.",
        "answer-unknown-choice": "Bitte einen der in der Liste der Zelle angebotenen Sätze wählen.",
        "answer-not-a-date": "Bitte das Datum als 2026-12-31 eingeben.",
        "answer-ambiguous-date": "Wir haben den Tag zuerst gelesen; bitte 2026-12-31 eingeben, falls das nicht stimmt.",
        "answer-formula-not-calculated": "Bitte den Wert selbst statt einer Formel eingeben.",
        "answer-row-missing": "Die Zeile dieser Frage wurde gelöscht: bitte in einer unveränderten Kopie beantworten.",
        "answer-row-duplicate": "Diese Frage steht zweimal mit verschiedenen Antworten: bitte nur eine Zeile behalten.",
        "answer-sheet-missing": "Das Antwortblatt fehlt: bitte die erhaltene Arbeitsmappe ausfüllen.",
        "old-scheme-version": "Diese Arbeitsmappe ist eine ältere Fassung: Sie erhalten eine neue zum Ausfüllen.",
        "answer-tiny-percent": "Dieser Prozentsatz liegt unter 1 %: Falls 45 % gemeint war, bitte 45 in die Zelle eingeben (sie zeigt dann 45 %).",
        "answer-sheet-twice": "Die Antworten stehen auf zwei Blättern: bitte die Kopie löschen und nur eines behalten.",
        "macro-workbook": "Bitte künftig als „Excel-Arbeitsmappe (.xlsx)“ speichern (in LibreOffice: „Excel 2007-365 (.xlsx)“).",
        "other": "Bitte korrigieren Sie dies und senden Sie die Arbeitsmappe erneut.",
    },
}

CORRECTIONS: dict[str, dict[str, str]] = {
    "en": {
        "title": "What to correct in your self-assessment",
        "sheet": "Corrections",
        "intro": "Thank you for your workbook {file}, received on {date}. Please correct the points below in "
        "the same workbook and send it again to {email}.",
        "rejected_intro": "We could not accept your workbook {file}, received on {date}:",
        "h_cell": "Cell",
        "h_indicator": "Indicator",
        "h_value": "Your answer",
        "h_todo": "What to do",
        "h_kind": "",
        "fix": "to correct",
        "check": "to check",
    },
    "fr": {
        "title": "À corriger dans votre auto-évaluation",
        "sheet": "Corrections",
        "intro": "Merci pour votre classeur {file}, reçu le {date}. Merci de corriger les points ci-dessous "
        "dans ce même classeur et de le renvoyer à {email}.",
        "rejected_intro": "Nous n'avons pas pu accepter votre classeur {file}, reçu le {date} :",
        "h_cell": "Cellule",
        "h_indicator": "Indicateur",
        "h_value": "Votre réponse",
        "h_todo": "À faire",
        "h_kind": "",
        "fix": "à corriger",
        "check": "à vérifier",
    },
    "de": {
        "title": "Zu korrigieren in Ihrer Selbstbewertung",
        "sheet": "Korrekturen",
        "intro": "Vielen Dank für Ihre Arbeitsmappe {file}, eingegangen am {date}. Bitte korrigieren Sie "
        "die folgenden Punkte in derselben Arbeitsmappe und senden Sie sie erneut an {email}.",
        "rejected_intro": "Ihre Arbeitsmappe {file}, eingegangen am {date}, konnten wir nicht annehmen:",
        "h_cell": "Zelle",
        "h_indicator": "Indikator",
        "h_value": "Ihre Antwort",
        "h_todo": "Zu tun",
        "h_kind": "",
        "fix": "korrigieren",
        "check": "prüfen",
    },
}


# The reviewer workbook's own words.
REVIEW: dict[str, dict[str, str]] = {
    "en": {
        "sheet_review": "Review",
        "sheet_appreciation": "Appreciation",
        "title": "Review of {cluster}",
        "intro": "Reviewer: {reviewer}. Check each answer of the cluster against its evidence. In the yellow "
        "cells: the value you verified (it starts as the cluster's), whether you agree, the points you "
        "give and your comment. Notes on any cell are welcome: they are kept with your review. "
        "Return the workbook to {email} by {deadline}.",
        "h_id": "ID",
        "h_indicator": "Indicator",
        "h_cluster_answer": "Cluster's answer",
        "h_cluster_evidence": "Cluster's evidence",
        "h_cluster_comment": "Cluster's comment",
        "h_cluster_points": "Cluster's points",
        "h_max": "Max",
        "h_verified": "Verified value",
        "h_agreement": "Agreement",
        "h_review_points": "Your points",
        "h_review_comment": "Your comment",
        "agree": "agree",
        "partly": "partly",
        "disagree": "disagree",
        "several_note": "several answers: separate them with ;",
        "appreciation_title": "Overall appreciation",
        "strengths": "Strengths",
        "recommendations": "Recommendations",
        "appreciation_note": "A few sentences each, written in {language}, the cluster's language: they are "
        "quoted as you write them in the feedback letter to the cluster, so make them fit its results.",
        "language": "Language",
        "write_in": "Write your comments and the appreciation in {language}, the cluster's language.",
    },
    "fr": {
        "sheet_review": "Revue",
        "sheet_appreciation": "Appréciation",
        "title": "Revue de {cluster}",
        "intro": "Expert : {reviewer}. Vérifiez chaque réponse du cluster au regard de son justificatif. Dans "
        "les cellules jaunes : la valeur vérifiée (au départ celle du cluster), votre accord, les points "
        "que vous attribuez et votre commentaire. Vos notes sur n'importe quelle cellule sont conservées "
        "avec votre revue. Renvoyez le classeur à {email} au plus tard le {deadline}.",
        "h_id": "ID",
        "h_indicator": "Indicateur",
        "h_cluster_answer": "Réponse du cluster",
        "h_cluster_evidence": "Justificatif du cluster",
        "h_cluster_comment": "Commentaire du cluster",
        "h_cluster_points": "Points du cluster",
        "h_max": "Max",
        "h_verified": "Valeur vérifiée",
        "h_agreement": "Accord",
        "h_review_points": "Vos points",
        "h_review_comment": "Votre commentaire",
        "agree": "d'accord",
        "partly": "en partie",
        "disagree": "pas d'accord",
        "several_note": "plusieurs réponses : séparez-les par ;",
        "appreciation_title": "Appréciation générale",
        "strengths": "Points forts",
        "recommendations": "Recommandations",
        "appreciation_note": "Quelques phrases pour chacun, rédigées en {language}, la langue du cluster\u202f: "
        "elles sont citées telles quelles dans la lettre au cluster, qu'elles correspondent à ses résultats.",
        "language": "Langue",
        "write_in": "Rédigez vos commentaires et l'appréciation en {language}, la langue du cluster.",
    },
    "de": {
        "sheet_review": "Prüfung",
        "sheet_appreciation": "Würdigung",
        "title": "Prüfung von {cluster}",
        "intro": "Gutachter/in: {reviewer}. Prüfen Sie jede Antwort des Clusters anhand ihres Nachweises. In den "
        "gelben Zellen: der geprüfte Wert (zu Beginn der des Clusters), Ihre Zustimmung, Ihre Punkte und "
        "Ihr Kommentar. Notizen an beliebigen Zellen werden mit Ihrer Prüfung aufbewahrt. Senden Sie die "
        "Arbeitsmappe bis zum {deadline} an {email}.",
        "h_id": "ID",
        "h_indicator": "Indikator",
        "h_cluster_answer": "Antwort des Clusters",
        "h_cluster_evidence": "Nachweis des Clusters",
        "h_cluster_comment": "Kommentar des Clusters",
        "h_cluster_points": "Punkte des Clusters",
        "h_max": "Max.",
        "h_verified": "Geprüfter Wert",
        "h_agreement": "Zustimmung",
        "h_review_points": "Ihre Punkte",
        "h_review_comment": "Ihr Kommentar",
        "agree": "einverstanden",
        "partly": "teilweise",
        "disagree": "nicht einverstanden",
        "several_note": "mehrere Antworten: mit ; trennen",
        "appreciation_title": "Gesamtwürdigung",
        "strengths": "Stärken",
        "recommendations": "Empfehlungen",
        "appreciation_note": "Jeweils einige Sätze auf {language}, der Sprache des Clusters: Sie werden "
        "wörtlich im Feedbackschreiben an den Cluster zitiert und sollen zu seinen Ergebnissen passen.",
        "language": "Sprache",
        "write_in": "Schreiben Sie Ihre Kommentare und die Würdigung auf {language}, der Sprache des Clusters.",
    },
}
AGREEMENTS = ("agree", "partly", "disagree")


def translated(catalogue: Mapping[str, Mapping[str, str]], lang: str, key: str, **values: object) -> str:
    """`key`'s text in `lang` from a catalogue of texts per language (English when the
    language or the key is missing), with `values` put in."""
    template = catalogue.get(lang, catalogue["en"]).get(key) or catalogue["en"][key]
    return template.format(**values) if values else template


def review_text(lang: str, key: str, **values: object) -> str:
    return translated(REVIEW, lang, key, **values)


def hint(lang: str, code: str) -> str:
    catalogue = HINTS.get(lang, HINTS["en"])
    return catalogue.get(code) or catalogue["other"]


def corrections_text(lang: str, key: str, **values: object) -> str:
    template = CORRECTIONS.get(lang, CORRECTIONS["en"])[key]
    return template.format(**values) if values else template


def text(lang: str, key: str, **values: object) -> str:
    return translated(TEXTS, lang, key, **values)


@lru_cache(maxsize=4096)
def format_date(day: dt.date, lang: str) -> str:
    from babel.dates import format_date as babel_date

    try:  # English as a European body writes it: 30 November 2026
        return babel_date(day, "long", locale="en_GB" if lang == "en" else lang)
    except Exception:  # an unknown locale: ISO is understood everywhere
        return day.isoformat()


@lru_cache(maxsize=4096)
def local_number(value: float, lang: str) -> str:
    """A number as `lang` writes it (12,5 in French and German)."""
    from babel.numbers import format_decimal

    try:
        return format_decimal(value, locale=lang)
    except Exception:
        return str(value)


# What people type for yes and for no, in the languages clusters write in (casefolded).
YES_WORDS = {
    "yes",
    "y",
    "oui",
    "o",
    "ja",
    "j",
    "si",
    "sí",
    "sì",
    "sim",
    "tak",
    "x",
    "✓",
    "✔",
    "☑",
    "true",
    "vrai",
    "wahr",
    "1",
    "ok",
}
NO_WORDS = {"no", "n", "non", "nein", "nee", "não", "nie", "false", "faux", "falsch", "0", "-", "✗", "✘", "☐"}


def yes_or_no(text: str) -> bool | None:
    """True or False for a typed yes or no in any of those languages (case and spaces do not
    matter), None for anything else."""
    word = " ".join(str(text).split()).rstrip(".").casefold()
    return True if word in YES_WORDS else False if word in NO_WORDS else None


# Why a label and not the next one: the same sentences in the letter, `score` and results.xlsx.
DECISION: dict[str, dict[str, str]] = {
    "en": {
        "points": "{label} requires {need} points ({percent}); {total} were reached.",
        "blocked": "{label} requires {indicator} ({id}) to reach this level: {level}. The final answer is "
        "{answer} ({source}).",
        "review": "{label} is awarded after the experts' review, which is not complete yet.",
        "alone_you": "Meeting this alone would earn you {label}.",
        "alone": "Meeting this alone would earn the cluster {label}.",
        "src_self": "the cluster's own answer",
        "src_reviewers": "the reviewers' value",
        "src_arbitration": "decided in arbitration on {date}: {reason}",
        "src_arbitration_bare": "decided in arbitration on {date}",
        "src_pending": "awaiting arbitration",
        "or": "or",
        "at_least": "at least {value}",
        "at_most": "at most {value}",
        "between": "between {low} and {high}",
        "one_of": "at least one of: {values}",
        "no_answer": "no answer",
        "quoted": "\u201c{text}\u201d",
    },
    "fr": {
        "points": "Le label {label} demande {need} points ({percent})\u202f; {total} ont été obtenus.",
        "blocked": "Le label {label} demande que l'indicateur {indicator} ({id}) atteigne ce niveau\u202f: {level}. "
        "La réponse retenue est {answer} ({source}).",
        "review": "Le label {label} est attribué après la revue des experts, qui n'est pas encore terminée.",
        "alone_you": "Atteindre ce seul niveau vous vaudrait le label {label}.",
        "alone": "Atteindre ce seul niveau vaudrait au cluster le label {label}.",
        "src_self": "la réponse du cluster",
        "src_reviewers": "la valeur des experts",
        "src_arbitration": "décidée par arbitrage le {date}\u202f: {reason}",
        "src_arbitration_bare": "décidée par arbitrage le {date}",
        "src_pending": "en attente d'arbitrage",
        "or": "ou",
        "at_least": "au moins {value}",
        "at_most": "au plus {value}",
        "between": "entre {low} et {high}",
        "one_of": "au moins l'un de\u202f: {values}",
        "no_answer": "pas de réponse",
        "quoted": "«\u202f{text}\u202f»",
    },
    "de": {
        "points": "{label} verlangt {need} Punkte ({percent}); erreicht wurden {total}.",
        "blocked": "{label} verlangt, dass der Indikator {indicator} ({id}) diese Stufe erreicht: {level}. Die "
        "maßgebliche Antwort lautet {answer} ({source}).",
        "review": "{label} wird nach der Prüfung durch die Gutachter vergeben, die noch nicht abgeschlossen ist.",
        "alone_you": "Allein damit würden Sie {label} erreichen.",
        "alone": "Allein damit würde der Cluster {label} erreichen.",
        "src_self": "die eigene Antwort des Clusters",
        "src_reviewers": "der Wert der Gutachter",
        "src_arbitration": "per Schlichtung am {date} entschieden: {reason}",
        "src_arbitration_bare": "per Schlichtung am {date} entschieden",
        "src_pending": "Schlichtung offen",
        "or": "oder",
        "at_least": "mindestens {value}",
        "at_most": "höchstens {value}",
        "between": "zwischen {low} und {high}",
        "one_of": "mindestens eines von: {values}",
        "no_answer": "keine Antwort",
        "quoted": "\u201e{text}\u201c",
    },
}


def decision_text(lang: str, key: str, **values: object) -> str:
    return translated(DECISION, lang, key, **values)
