def test_answer_passages_are_the_answers_sentences_without_markup() -> None:
    from faq.text import MAX_ANSWER_PASSAGES, answer_passages

    text = "회비는 학기당 5만 원이에요. 입금자명은 **이름+학번**으로!\n- 계좌: https://pay.example/x 카카오뱅크\n네."
    assert answer_passages(text) == ("회비는 학기당 5만 원이에요.", "입금자명은 이름+학번으로!", "계좌: 카카오뱅크")
    assert answer_passages("") == ()
    assert len(answer_passages(" ".join(f"문장 번호 {i}." for i in range(40)))) == MAX_ANSWER_PASSAGES
